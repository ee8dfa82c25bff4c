package io.moestream.jobs.kafka;

import io.moestream.jobs.cli.RegistryTopicOption;
import java.time.Duration;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Options of the commands that read the whole registry topic ({@code materialize}, {@code check}).
 */
public final class RegistryReadOptions {
  @Mixin RegistryTopicOption registry = new RegistryTopicOption();

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "60",
      description = "Seconds to read the topic to its end (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  String topic() {
    return registry.topic;
  }

  Duration timeout() {
    return Duration.ofSeconds(timeoutSeconds);
  }
}
