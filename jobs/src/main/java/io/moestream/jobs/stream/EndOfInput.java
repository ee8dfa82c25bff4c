package io.moestream.jobs.stream;

import io.moestream.jobs.kafka.KafkaPreflight;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * The input that exists when a bounded run starts, and whether the job has durably consumed it.
 *
 * <p>A bounded run cannot use a bounded Kafka source: that source finishes the job by itself, and a
 * finished job takes no savepoint; and a source restored from a savepoint keeps the stopping
 * offsets stored in its splits, so a bounded run restored from an unbounded one's savepoint would
 * never end. So the job reads unbounded, and this watches the offsets its source commits when a
 * checkpoint completes: once every partition's committed offset has reached the end offset seen at
 * start, a completed checkpoint holds the model trained on all of that input, and the job can be
 * stopped with a savepoint.
 */
final class EndOfInput implements AutoCloseable {
  private static final long TIMEOUT_S = 30;
  private final Admin admin;
  private final String groupId;
  private final Map<TopicPartition, Long> end;

  private EndOfInput(Admin admin, String groupId, Map<TopicPartition, Long> end) {
    this.admin = admin;
    this.groupId = groupId;
    this.end = end;
  }

  /**
   * Reads the end offset of every partition of {@code topic} now.
   *
   * @throws IllegalArgumentException if the topic does not exist
   * @throws IllegalStateException if Kafka does not answer
   */
  static EndOfInput capture(Properties adminProps, String topic, String groupId) throws Exception {
    Admin admin = Admin.create(adminProps);
    try {
      return capture(admin, topic, groupId);
    } catch (ExecutionException e) {
      admin.close(Duration.ZERO);
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        throw new IllegalArgumentException(
            "topic " + topic + " does not exist on " + adminProps.getProperty("bootstrap.servers"),
            e);
      }
      if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
        throw noAnswer(adminProps, topic, e);
      }
      throw e;
    } catch (TimeoutException e) {
      // closed at once: a plain close() would wait out the pending call's own timeout
      admin.close(Duration.ZERO);
      throw noAnswer(adminProps, topic, e);
    } catch (Exception e) {
      admin.close();
      throw e;
    }
  }

  private static IllegalStateException noAnswer(Properties adminProps, String topic, Exception e) {
    return KafkaPreflight.noAnswer(
        adminProps.getProperty("bootstrap.servers"),
        Duration.ofSeconds(TIMEOUT_S),
        "reading the end offsets of topic " + topic,
        e);
  }

  private static EndOfInput capture(Admin admin, String topic, String groupId) throws Exception {
    List<Integer> partitions =
        admin
            .describeTopics(List.of(topic))
            .allTopicNames()
            .get(TIMEOUT_S, TimeUnit.SECONDS)
            .get(topic)
            .partitions()
            .stream()
            .map(p -> p.partition())
            .toList();
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    partitions.forEach(p -> latest.put(new TopicPartition(topic, p), OffsetSpec.latest()));
    Map<TopicPartition, Long> end = new HashMap<>();
    for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e :
        admin.listOffsets(latest).all().get(TIMEOUT_S, TimeUnit.SECONDS).entrySet()) {
      end.put(e.getKey(), e.getValue().offset());
    }
    return new EndOfInput(admin, groupId, end);
  }

  /** Records to consume in all, as seen at start. */
  long records() {
    return end.values().stream().mapToLong(Long::longValue).sum();
  }

  /** True once the group's committed offsets have reached the end offsets in every partition. */
  boolean consumed() throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin
            .listConsumerGroupOffsets(groupId)
            .partitionsToOffsetAndMetadata()
            .get(TIMEOUT_S, TimeUnit.SECONDS);
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      OffsetAndMetadata c = committed.get(e.getKey());
      long at = c == null ? 0 : c.offset();
      if (at < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void close() {
    admin.close(java.time.Duration.ofSeconds(5));
  }
}
