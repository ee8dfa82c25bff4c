package io.moestream.jobs.kafka;

import io.moestream.jobs.cli.KafkaClientProps;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * Reads a whole topic with {@code isolation.level=read_committed}, without a consumer group.
 *
 * <p>Why no group: the readers here (registry tail, tests, demo) each want the full history and
 * must not move anyone's committed offsets, so partitions are assigned directly and read from the
 * beginning. "Caught up" compares positions with the end offsets taken at start, which under
 * read_committed are the last stable offsets: an open transaction is waited for, an aborted one is
 * skipped, never shown.
 */
public final class TopicReader implements AutoCloseable {
  /** How long metadata calls wait when the caller names no timeout (the demo, tests). */
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

  private final String topic;
  private final Duration timeout;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final List<TopicPartition> partitions = new ArrayList<>();
  private final Map<TopicPartition, Long> endAtStart;

  /**
   * @param fromBeginning start at the earliest offset; otherwise at the end (only new records)
   * @throws IllegalArgumentException if the topic does not exist
   */
  public TopicReader(KafkaClientProps props, String topic, boolean fromBeginning) {
    this(props, topic, fromBeginning, DEFAULT_TIMEOUT);
  }

  /**
   * @param timeout the longest any one call waits for Kafka; the consumer's own timeouts are
   *     derived from it ({@link KafkaClientProps#within})
   * @throws IllegalArgumentException if the topic does not exist
   * @throws IllegalStateException if Kafka does not answer within {@code timeout}
   */
  public TopicReader(
      KafkaClientProps props, String topic, boolean fromBeginning, Duration timeout) {
    this.topic = topic;
    this.timeout = timeout;
    this.consumer = new KafkaConsumer<>(props.within(timeout).consumer());
    try {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
      if (infos == null || infos.isEmpty()) {
        throw new IllegalArgumentException(
            "topic " + topic + " does not exist on " + props.bootstrapServers());
      }
      for (PartitionInfo info : infos) {
        partitions.add(new TopicPartition(topic, info.partition()));
      }
      consumer.assign(partitions);
      if (fromBeginning) {
        consumer.seekToBeginning(partitions);
      } else {
        consumer.seekToEnd(partitions);
      }
      endAtStart = consumer.endOffsets(partitions, timeout);
    } catch (TimeoutException e) {
      // closed at once: a broker that did not answer will not answer a graceful close either
      consumer.close(Duration.ZERO);
      throw KafkaPreflight.noAnswer(props.bootstrapServers(), timeout, "reading topic " + topic, e);
    } catch (RuntimeException e) {
      consumer.close(Duration.ZERO);
      throw e;
    }
  }

  /** Reads {@code topic} from the beginning until caught up, all within {@code timeout}. */
  public static List<ConsumerRecord<byte[], byte[]>> readAll(
      KafkaClientProps props, String topic, Duration timeout) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    try (TopicReader reader = new TopicReader(props, topic, true, timeout)) {
      while (!reader.caughtUp()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "topic " + topic + " not read to its end within " + timeout.toSeconds() + " s");
        }
        out.addAll(reader.poll(Duration.ofMillis(200)));
      }
    }
    return out;
  }

  /** The committed records that arrived within {@code timeout}, in partition order. */
  public List<ConsumerRecord<byte[], byte[]>> poll(Duration timeout) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    consumer.poll(timeout).forEach(out::add);
    return out;
  }

  /** Whether every partition has been read up to its end offset as of construction. */
  public boolean caughtUp() {
    for (TopicPartition tp : partitions) {
      if (consumer.position(tp, timeout) < endAtStart.getOrDefault(tp, 0L)) {
        return false;
      }
    }
    return true;
  }

  public String topic() {
    return topic;
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}
