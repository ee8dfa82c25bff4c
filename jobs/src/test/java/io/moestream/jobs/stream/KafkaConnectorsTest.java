package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.moestream.jobs.CliRun;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * A checkpoint interval of half the sinks' transaction timeout or more is refused, and a job's
 * default name (its transactional-id prefix) is stable for the same job and differs between jobs.
 */
class KafkaConnectorsTest {
  private static KafkaConnectors withTimeout(String ms) {
    Properties p = new Properties();
    if (ms != null) {
      p.setProperty("transaction.timeout.ms", ms);
    }
    return new KafkaConnectors("localhost:9092", p, "job");
  }

  @Test
  void theDefaultTimeoutAllowsIntervalsBelowFiveMinutes() {
    KafkaConnectors k = withTimeout(null);
    assertThat(k.transactionTimeout()).isEqualTo(Duration.ofMinutes(10));
    assertThatCode(() -> k.checkCheckpointInterval(Duration.ofSeconds(299)))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> k.checkCheckpointInterval(Duration.ofSeconds(300)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--checkpoint-interval")
        .hasMessageContaining("transaction.timeout.ms");
  }

  @Test
  void aConfiguredTimeoutIsTheOneChecked() {
    KafkaConnectors k = withTimeout("60000");
    assertThatCode(() -> k.checkCheckpointInterval(Duration.ofSeconds(29)))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> k.checkCheckpointInterval(Duration.ofSeconds(30)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> withTimeout("soon").transactionTimeout())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("soon");
  }

  @Test
  void trainRefusesTooLongAnIntervalWithOneLineBeforeStarting() {
    CliRun r =
        CliRun.of(
            "train",
            "--bootstrap-servers",
            "127.0.0.1:1",
            "--kafka-property",
            "transaction.timeout.ms=20000",
            "--checkpoint-interval",
            "10");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).startsWith("error: --checkpoint-interval must be below half");
  }

  @Test
  void theDefaultJobNameIsStableForOneJobAndDiffersBetweenJobs() {
    Path dir = Path.of("/data/moe-work");
    String name = StreamOptions.defaultJobName(dir, "tokens", "moe.registry");
    assertThat(name).matches("moe-stream-[0-9a-f]{8}");
    assertThat(StreamOptions.defaultJobName(dir, "tokens", "moe.registry")).isEqualTo(name);
    assertThat(StreamOptions.defaultJobName(Path.of("/data/other"), "tokens", "moe.registry"))
        .isNotEqualTo(name);
    assertThat(StreamOptions.defaultJobName(dir, "tokens-b", "moe.registry")).isNotEqualTo(name);
  }

  @Test
  void anExplicitJobNameWinsAndIsChecked() {
    StreamOptions o = new StreamOptions();
    o.workDir = Path.of("moe-work");
    o.topics.tokens = "tokens";
    o.topics.registry = "moe.registry";
    assertThat(o.jobName())
        .isEqualTo(
            StreamOptions.defaultJobName(
                Path.of("moe-work").toAbsolutePath().normalize(), "tokens", "moe.registry"));
    o.jobName = "trainer-eu.1";
    assertThat(o.jobName()).isEqualTo("trainer-eu.1");
    o.jobName = "two words";
    assertThatThrownBy(o::jobName)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("two words");
  }
}
