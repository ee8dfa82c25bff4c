package io.moestream.jobs.kafka;

import io.moestream.jobs.cli.TopicNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the pipeline's topics, idempotently: a topic that already exists is left as it is, so the
 * demo and scripts can call this on every start, against the embedded broker or a real cluster.
 *
 * <p>Why create explicitly at all: auto-creation is off on the embedded broker (and should be on a
 * production cluster), and it could not make the registry topic compacted anyway; the registry
 * relies on compaction to keep each expert slot's latest state forever.
 */
public final class TopicAdmin {
  private static final long TIMEOUT_SECONDS = 30;

  private TopicAdmin() {}

  /**
   * Creates the topics in {@code partitions} (name → partition count) that do not exist yet, with
   * the cluster's default replication factor.
   *
   * @param compacted {@code cleanup.policy=compact} for all of them
   * @return the names actually created
   */
  public static List<String> createTopics(
      Properties adminProps, Map<String, Integer> partitions, boolean compacted) {
    List<NewTopic> topics = new ArrayList<>();
    partitions.forEach(
        (name, n) -> {
          if (n == null || n < 1) {
            throw new IllegalArgumentException(
                "topic " + name + " needs at least 1 partition, got " + n);
          }
          NewTopic t = new NewTopic(name, Optional.of(n), Optional.empty());
          topics.add(compacted ? t.configs(Map.of("cleanup.policy", "compact")) : t);
        });
    List<String> created = new ArrayList<>();
    Admin admin = Admin.create(adminProps);
    try {
      Map<String, KafkaFuture<Void>> results = admin.createTopics(topics).values();
      for (Map.Entry<String, KafkaFuture<Void>> r : results.entrySet()) {
        if (await(r.getKey(), r.getValue(), adminProps)) {
          created.add(r.getKey());
        }
      }
    } finally {
      // Bounded: after a timeout, a plain close() would wait for the pending call's own timeout.
      admin.close(Duration.ofSeconds(5));
    }
    return created;
  }

  /**
   * Creates the four pipeline topics: {@code tokenPartitions} partitions for tokens and the
   * registry (both keyed by model), one for the DLQ and the metrics; the registry compacted.
   */
  public static List<String> createPipelineTopics(
      Properties adminProps, TopicNames names, int tokenPartitions) {
    Map<String, Integer> plain = new LinkedHashMap<>();
    plain.put(names.tokens(), tokenPartitions);
    plain.put(names.dlq(), 1);
    plain.put(names.metrics(), 1);
    List<String> created = new ArrayList<>(createTopics(adminProps, plain, false));
    created.addAll(createTopics(adminProps, Map.of(names.registry(), tokenPartitions), true));
    return created;
  }

  /**
   * Whether {@code topic} exists, as the cluster answers within {@code timeout}; null when it does
   * not answer. Tells a missing topic (the user named the wrong one) from an unreachable broker,
   * which both look like a metadata timeout to a producer.
   *
   * @param clientProps settings of any client (unknown keys are ignored by the admin client)
   */
  public static Boolean exists(Properties clientProps, String topic, Duration timeout) {
    Admin admin = Admin.create(clientProps);
    try {
      return admin
          .listTopics(new ListTopicsOptions().timeoutMs((int) timeout.toMillis()))
          .names()
          .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS)
          .contains(topic);
    } catch (ExecutionException | TimeoutException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } finally {
      admin.close(Duration.ZERO);
    }
  }

  /** True if created, false if it already existed. */
  private static boolean await(String topic, KafkaFuture<Void> f, Properties adminProps) {
    try {
      f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      return true;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TopicExistsException) {
        return false;
      }
      throw new IllegalStateException(
          "cannot create topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "cannot create topic "
              + topic
              + ": no answer from "
              + adminProps.getProperty("bootstrap.servers")
              + " within "
              + TIMEOUT_SECONDS
              + " s",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topic " + topic, e);
    }
  }
}
