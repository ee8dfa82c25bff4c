package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.CliRun;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/**
 * {@code --metrics-port} turns on Flink's Prometheus reporter with Flink's own keys, and only then;
 * a value that is no port or port range is refused while parsing, in one line, exit 2, before
 * anything starts. (The reporter serving a running job: PrometheusMetricsITCase.)
 */
class PrometheusReporterSettingsTest {
  private static Configuration base() {
    return new FlinkSettings(Path.of("w"), 1, Duration.ofSeconds(1), 0, null).toConfiguration();
  }

  @Test
  void theReporterIsConfiguredWithFlinksKeysOnlyWhenAsked() {
    Configuration off = FlinkSettings.withPrometheusReporter(base(), null);
    assertThat(off.toMap()).isEqualTo(base().toMap());
    assertThat(off.toMap().keySet()).noneMatch(k -> k.startsWith("metrics.reporter"));

    Configuration on = FlinkSettings.withPrometheusReporter(base(), "9250-9260");
    assertThat(on.toMap())
        .containsEntry(
            "metrics.reporter.prom.factory.class",
            "org.apache.flink.metrics.prometheus.PrometheusReporterFactory")
        .containsEntry("metrics.reporter.prom.port", "9250-9260");
  }

  @Test
  void aBadPortIsRefusedInOneLineBeforeAnythingStarts() {
    for (String bad : new String[] {"0", "65536", "9260-9250", "http", "9249,9250"}) {
      for (String command : new String[] {"train", "demo"}) {
        CliRun r = CliRun.of(command, "--metrics-port", bad);
        assertThat(r.exit()).as(command + " " + bad + ": " + r.err()).isEqualTo(2);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err())
            .isEqualTo(
                "error: Invalid value for option '--metrics-port': must be a port 1-65535 or a"
                    + " range such as 9250-9260 (see 'moe "
                    + command
                    + " --help')\n");
        assertThat(r.out()).isEmpty();
      }
    }
  }
}
