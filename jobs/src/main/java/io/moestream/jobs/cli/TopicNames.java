package io.moestream.jobs.cli;

/**
 * The four topics of the pipeline (DESIGN §4), named in one place so the producer, the job, the
 * demo and the registry reader cannot drift apart.
 *
 * @param tokens TokenSequence records, key = model id
 * @param dlq DeadLetter records the validator refused
 * @param registry ExpertLifecycleEvent records, key = model/layer/slot; compacted
 * @param metrics TrainingSummary records, key = model id
 */
public record TopicNames(String tokens, String dlq, String registry, String metrics) {
  public static final String TOKENS = "tokens";
  public static final String DLQ = "tokens.dlq";
  public static final String REGISTRY = "moe.registry";
  public static final String METRICS = "moe.metrics";

  /** Rejects blank names: Kafka would refuse them later with a less helpful message. */
  public TopicNames {
    require("tokens", tokens);
    require("dlq", dlq);
    require("registry", registry);
    require("metrics", metrics);
  }

  /** {@code tokens}, {@code tokens.dlq}, {@code moe.registry}, {@code moe.metrics}. */
  public static TopicNames defaults() {
    return new TopicNames(TOKENS, DLQ, REGISTRY, METRICS);
  }

  private static void require(String role, String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("the " + role + " topic name must not be blank");
    }
  }
}
