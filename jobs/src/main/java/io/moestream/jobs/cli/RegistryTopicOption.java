package io.moestream.jobs.cli;

import picocli.CommandLine.Option;

/** {@code --topic} of the commands that read the registry topic ({@code registry ...}). */
public final class RegistryTopicOption {
  @Option(
      names = "--topic",
      paramLabel = "TOPIC",
      defaultValue = TopicNames.REGISTRY,
      description = "Registry topic (default: ${DEFAULT-VALUE}).")
  public String topic;
}
