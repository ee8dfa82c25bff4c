package io.moestream.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster entry class never exits the JVM: it returns, or throws with the error line; and no
 * argument value (a password, a JAAS config) reaches that message.
 */
class ClusterMainTest {
  private static final String SECRET = "s3cr3t-XYZ";
  private static final String JAAS =
      "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required"
          + " username=\"moe\" password=\""
          + SECRET
          + "\";";

  @TempDir Path tmp;

  @Test
  void aSuccessfulCommandReturns() {
    assertThatCode(() -> ClusterMain.main(new String[] {"train", "--help"}))
        .doesNotThrowAnyException();
  }

  @Test
  void aFailingCommandThrowsWithItsErrorLine() {
    assertThatThrownBy(() -> ClusterMain.main(new String[] {"train", "--no-such-option"}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("moe train exited with 2")
        .hasMessageContaining("error:")
        .hasMessageContaining("--no-such-option");
  }

  @Test
  void noArgumentValueReachesTheMessageOfABadCommandLine() {
    String[][] bad = {
      {"train", "--kafka-property", JAAS, "--no-such-option"},
      {"train", "--kafka-property", JAAS, "--d", SECRET},
      {"train", "--kafka-property", SECRET},
      {"train", "--kafka-propertyy=" + JAAS},
      {"train", "--bootstrap-servers", "h:1", SECRET},
      {"registry", "tail", "--kafka-property", "ssl.key.password=" + SECRET, "--from", SECRET},
      // parsed fine, refused when run: the Kafka value must not be quoted either
      {
        "train",
        "--kafka-property",
        "transaction.timeout.ms=" + SECRET,
        "--bootstrap-servers",
        "h:1"
      },
    };
    for (String[] args : bad) {
      assertThatThrownBy(() -> ClusterMain.main(args))
          .as(String.join(" ", args))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("exited with 2")
          .hasMessageContaining("error:")
          .hasMessageNotContaining(SECRET)
          .hasMessageNotContaining("password");
    }
  }

  @Test
  void aConfigFileValueIsNotQuotedEither() throws Exception {
    Path config = tmp.resolve("train.properties");
    Files.writeString(config, "d = " + SECRET + "\nkafka-property = " + SECRET + "\n");
    CliRun r = CliRun.of("train", "--config", config.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).startsWith("error:").doesNotContain(SECRET);
  }
}
