package io.moestream.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The lifecycle flags: measured evidence-gate defaults, and recording windows in tokens. */
class TrainOptionsTest {
  @Command(name = "trains")
  static final class Trains {
    @Mixin TrainOptions train;
  }

  /** ctx 16: a step of batch B routes 16 × B tokens. */
  private static final ModelConfig CTX_16 =
      new ModelConfig(259, 16, 2, 2, 16, 16, RouterConfig.dynMoe(2, 4));

  private static TrainConfig parse(String... args) {
    Trains t = new Trains();
    new CommandLine(t).parseArgs(args);
    return t.train.toConfig(CTX_16);
  }

  @Test
  void theEvidenceGatesDefaultToTheMeasuredValuesNotTheLibrarysOfficialZeros() {
    TrainConfig c = parse();
    assertThat(c.spawnMinUnrouted()).isEqualTo(Double.parseDouble(TrainOptions.SPAWN_MIN_UNROUTED));
    assertThat(c.pruneMaxShare()).isEqualTo(Double.parseDouble(TrainOptions.PRUNE_MAX_SHARE));
    assertThat(TrainConfig.defaults(1).spawnMinUnrouted()).isZero();
    assertThat(TrainConfig.defaults(1).pruneMaxShare()).isZero();
    // the official rules stay one flag away
    TrainConfig official = parse("--spawn-min-unrouted", "0", "--prune-max-share", "0");
    assertThat(official)
        .isEqualTo(TrainConfig.defaults(1).withWindow(new RecordingWindow(100, 50, 100)));
  }

  @Test
  void otherRoutersKeepTheLibrarysZerosSoTheirStoredConfigsAndHashesAreUnchanged() {
    Trains t = new Trains();
    new CommandLine(t).parseArgs();
    TrainConfig topK = t.train.toConfig(CTX_16.withRouter(RouterConfig.topK(4, 2)));
    assertThat(topK.spawnMinUnrouted()).isZero();
    assertThat(topK.pruneMaxShare()).isZero();
    assertThat(topK.toString()).doesNotContain("pruneMaxShare");
  }

  @Test
  void bareWindowNumbersAreStepsAsBefore() {
    assertThat(
            parse("--window-start", "7", "--window-length", "3", "--window-period", "9").window())
        .isEqualTo(new RecordingWindow(7, 3, 9));
    assertThat(parse().window()).isEqualTo(new RecordingWindow(100, 50, 100));
  }

  @Test
  void windowsInTokensAreTheSameTokensWhateverTheBatch() {
    String[] tokens = {
      "--window-start", "1024tokens", "--window-length", "512tokens", "--window-period", "1024t"
    };
    // batch 8 × ctx 16 = 128 tokens a step; batch 4: 64
    assertThat(parse(concat(tokens, "--batch", "8")).window())
        .isEqualTo(new RecordingWindow(8, 4, 8));
    assertThat(parse(concat(tokens, "--batch", "4")).window())
        .isEqualTo(new RecordingWindow(16, 8, 16));
    // 100 tokens at 128 a step: rounded up to one whole step; units mix
    assertThat(
            parse("--window-start", "0", "--window-length", "100tokens", "--window-period", "5")
                .window())
        .isEqualTo(new RecordingWindow(0, 1, 5));
  }

  @Test
  void badValuesFailWhileParsingOrNameTheFlag() {
    assertThatThrownBy(() -> parse("--window-length", "50 minutes"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("--window-length")
        .hasMessageContaining("not a window span");
    assertThatThrownBy(() -> parse("--spawn-min-unrouted", "1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--spawn-min-unrouted must be in [0, 1), got 1.0");
    assertThatThrownBy(() -> parse("--prune-max-share", "-0.1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--prune-max-share must be in [0, 1), got -0.1");
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
