package io.moestream.jobs.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * {@code --timeout SECONDS}: the longest a command waits for Kafka, declared once for every command
 * that talks to a broker and must not hang ({@code train}'s check before Flink starts, the registry
 * reads). The Kafka clients' own waits are derived from it ({@link KafkaClientProps#within}), so an
 * unreachable or non-resolving broker ends the command after this long with one line, not after
 * Kafka's minute-long defaults. Commands differ in how long is sensible, so each passes its default
 * to the constructor (picocli shows the field's initial value as the default).
 */
public final class TimeoutOption {
  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      description =
          "Longest wait for Kafka, in seconds (where the command reads a topic to its end, for"
              + " the whole read); the Kafka clients' own timeouts are derived from it"
              + " (default: ${DEFAULT-VALUE}).")
  int seconds;

  /** For picocli; a command passes its own default. */
  public TimeoutOption() {
    this(10);
  }

  public TimeoutOption(int defaultSeconds) {
    this.seconds = defaultSeconds;
  }

  /** The validated timeout. */
  public Duration timeout() {
    if (seconds < 1) {
      throw new IllegalArgumentException("--timeout must be >= 1 second, got " + seconds);
    }
    return Duration.ofSeconds(seconds);
  }
}
