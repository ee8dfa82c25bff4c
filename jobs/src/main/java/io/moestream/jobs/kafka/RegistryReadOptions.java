package io.moestream.jobs.kafka;

import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * Options of the commands that read the whole registry topic ({@code materialize}, {@code check}).
 */
public final class RegistryReadOptions {
  @Option(
      names = "--topic",
      defaultValue = TopicNames.REGISTRY,
      description = "Registry topic (default: ${DEFAULT-VALUE}).")
  String topic;

  @Option(
      names = "--timeout",
      defaultValue = "60",
      description = "Seconds to read the topic to its end (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  Duration timeout() {
    return Duration.ofSeconds(timeoutSeconds);
  }
}
