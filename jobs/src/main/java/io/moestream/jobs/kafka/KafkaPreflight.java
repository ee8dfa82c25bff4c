package io.moestream.jobs.kafka;

import io.moestream.jobs.cli.KafkaClientProps;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;

/**
 * The check a command runs before it starts anything that needs Kafka: the brokers answer and the
 * topics exist, within a timeout, or one line says which of the two is wrong.
 *
 * <p>Why before: a Flink job against an unreachable broker or a missing topic does not fail, its
 * source and sinks retry with Kafka's patient defaults and the console stays silent (45 s and more
 * before anything is printed). The two failures want different moves, so they differ in kind: no
 * answer is a runtime failure ({@link IllegalStateException}: the world must change), a missing
 * topic is bad input ({@link IllegalArgumentException}: the command names a topic that is not
 * there, or it must be created first).
 */
public final class KafkaPreflight {
  /** Slack over the admin call's own timeout before the future is abandoned. */
  private static final long SLACK_MS = 1_000;

  private KafkaPreflight() {}

  /**
   * Checks that the cluster at {@code kafka} answers within {@code timeout} and lists every topic
   * of {@code topics}.
   *
   * @param topics topic name → partitions suggested in the hint to create it
   * @param compacted the topics among them that must be created compacted
   * @throws IllegalStateException if no broker answers within {@code timeout}
   * @throws IllegalArgumentException if a topic does not exist (or is not visible to this client)
   */
  public static void check(
      KafkaClientProps kafka,
      Map<String, Integer> topics,
      Set<String> compacted,
      Duration timeout) {
    String servers = kafka.bootstrapServers();
    Set<String> existing;
    Admin admin = Admin.create(kafka.within(timeout).admin());
    boolean answered = false;
    try {
      existing =
          admin
              .listTopics(new ListTopicsOptions().timeoutMs((int) timeout.toMillis()))
              .names()
              .get(timeout.toMillis() + SLACK_MS, TimeUnit.MILLISECONDS);
      answered = true;
    } catch (TimeoutException e) {
      throw noAnswer(servers, timeout, null, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
        throw noAnswer(servers, timeout, null, e.getCause());
      }
      throw new IllegalStateException(
          "cannot list the topics of Kafka at " + servers + ": " + e.getCause().getMessage(),
          e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for Kafka at " + servers, e);
    } finally {
      // Without an answer, a graceful close would wait out the pending call's own timeout.
      admin.close(answered ? Duration.ofSeconds(2) : Duration.ZERO);
    }
    List<String> missing = new ArrayList<>();
    topics.keySet().stream().filter(t -> !existing.contains(t)).forEach(missing::add);
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(missingTopics(servers, missing, topics, compacted));
    }
  }

  /** The line for topics that are not there, with the command that creates each. */
  static String missingTopics(
      String servers, List<String> missing, Map<String, Integer> topics, Set<String> compacted) {
    List<String> create = new ArrayList<>();
    for (String t : missing) {
      create.add(
          "kafka-topics.sh --bootstrap-server "
              + servers
              + " --create --topic "
              + t
              + " --partitions "
              + topics.get(t)
              + (compacted.contains(t) ? " --config cleanup.policy=compact" : ""));
    }
    return (missing.size() == 1 ? "topic " : "topics ")
        + String.join(", ", missing)
        + (missing.size() == 1 ? " does" : " do")
        + " not exist on "
        + servers
        + " (or this client may not see "
        + (missing.size() == 1 ? "it" : "them")
        + "); create "
        + (missing.size() == 1 ? "it" : "them")
        + " first: "
        + String.join(" && ", create);
  }

  /**
   * The one line for a broker that did not answer in time: where, how long, while doing what (null
   * for nothing more specific), and the question to ask. A runtime failure (exit 1).
   */
  public static IllegalStateException noAnswer(
      String servers, Duration timeout, String during, Throwable cause) {
    return new IllegalStateException(
        "no answer from Kafka at "
            + servers
            + " within "
            + timeout.toSeconds()
            + " s"
            + (during == null ? "" : " while " + during)
            + ": is the broker reachable?",
        cause);
  }
}
