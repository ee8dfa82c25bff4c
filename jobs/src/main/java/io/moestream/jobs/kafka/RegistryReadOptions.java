package io.moestream.jobs.kafka;

import io.moestream.jobs.cli.RegistryTopicOption;
import io.moestream.jobs.cli.TimeoutOption;
import java.time.Duration;
import picocli.CommandLine.Mixin;

/**
 * Options of the commands that read the whole registry topic ({@code materialize}, {@code check}).
 */
public final class RegistryReadOptions {
  @Mixin RegistryTopicOption registry = new RegistryTopicOption();

  /** Reading the whole topic to its end must fit in it too, so the default is generous. */
  @Mixin TimeoutOption timeout = new TimeoutOption(60);

  String topic() {
    return registry.topic;
  }

  Duration timeout() {
    return timeout.timeout();
  }
}
