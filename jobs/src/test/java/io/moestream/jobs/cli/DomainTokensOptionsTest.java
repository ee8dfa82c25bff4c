package io.moestream.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class DomainTokensOptionsTest {
  @Command(name = "capped")
  static final class Capped {
    @Mixin DomainTokensOptions cap = new DomainTokensOptions(250_000);
  }

  @Command(name = "uncapped")
  static final class Uncapped {
    @Mixin DomainTokensOptions cap = new DomainTokensOptions();
  }

  @Test
  void eachCommandKeepsItsDefaultAndHelpShowsIt() {
    Capped capped = new Capped();
    CommandLine c = new CommandLine(capped);
    c.parseArgs();
    assertThat(capped.cap.tokens()).isEqualTo(250_000);
    assertThat(capped.cap.orNull()).isEqualTo(250_000L);
    assertThat(c.getUsageMessage()).contains("--max-tokens-per-domain=N", "(default: 250000)");

    Uncapped uncapped = new Uncapped();
    CommandLine u = new CommandLine(uncapped);
    u.parseArgs();
    assertThat(uncapped.cap.orNull()).isNull();
    assertThat(uncapped.cap.tokens()).isEqualTo(Long.MAX_VALUE);
    assertThat(u.getUsageMessage())
        .contains("(default: all)")
        .doesNotContain("--tokens-per-domain");
  }

  @Test
  void theOldNameIsAHiddenAliasOfTheNewOne() {
    Uncapped cmd = new Uncapped();
    CommandLine u = new CommandLine(cmd);
    assertThat(DomainTokensOptions.given(u.parseArgs("--tokens-per-domain", "7"))).isTrue();
    assertThat(cmd.cap.orNull()).isEqualTo(7L);
    assertThat(DomainTokensOptions.given(u.parseArgs("--max-tokens-per-domain", "9"))).isTrue();
    assertThat(cmd.cap.orNull()).isEqualTo(9L);
    // A second parse starts from the command's default again.
    assertThat(DomainTokensOptions.given(u.parseArgs())).isFalse();
    assertThat(cmd.cap.orNull()).isNull();
  }

  @Test
  void aValueThatIsNoNumberIsAParameterError() {
    CommandLine u = new CommandLine(new Uncapped());
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> u.parseArgs("--max-tokens-per-domain", "lots"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("--max-tokens-per-domain");
  }
}
