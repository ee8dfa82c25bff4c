package io.moestream.jobs.cli;

import picocli.CommandLine.Option;

/**
 * The four topics of the streaming job; their defaults are {@link TopicNames}' constants and
 * nothing else, so the job, the producer and the registry reader cannot drift apart.
 */
public final class TopicOptions {
  @Option(
      names = "--tokens-topic",
      paramLabel = "TOPIC",
      defaultValue = TopicNames.TOKENS,
      description = "Topic of TokenSequence records, key = model id (default: ${DEFAULT-VALUE}).")
  public String tokens;

  @Option(
      names = "--dlq-topic",
      paramLabel = "TOPIC",
      defaultValue = TopicNames.DLQ,
      description = "Dead-letter topic for rejected records (default: ${DEFAULT-VALUE}).")
  public String dlq;

  @Option(
      names = "--registry-topic",
      paramLabel = "TOPIC",
      defaultValue = TopicNames.REGISTRY,
      description = "Lifecycle events, key = model/layer/slot (default: ${DEFAULT-VALUE}).")
  public String registry;

  @Option(
      names = "--metrics-topic",
      paramLabel = "TOPIC",
      defaultValue = TopicNames.METRICS,
      description = "Training summaries (default: ${DEFAULT-VALUE}).")
  public String metrics;

  /** The names; throws IllegalArgumentException on a blank one. */
  public TopicNames names() {
    return new TopicNames(tokens, dlq, registry, metrics);
  }
}
