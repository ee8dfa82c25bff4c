package io.moestream.jobs.stream;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads a whole topic as a downstream consumer would: read_committed, from the beginning. */
final class Topics {
  private Topics() {}

  interface Decoder<T> {
    T decode(byte[] bytes) throws Exception;
  }

  static <T> List<T> readCommitted(String servers, String topic, Decoder<T> decoder)
      throws Exception {
    List<T> all = new ArrayList<>();
    for (List<T> partition : readCommittedByPartition(servers, topic, decoder)) {
      all.addAll(partition);
    }
    return all;
  }

  /** The topic's records per partition, each in partition order. */
  static <T> List<List<T>> readCommittedByPartition(
      String servers, String topic, Decoder<T> decoder) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", servers);
    p.put("isolation.level", "read_committed");
    p.put("auto.offset.reset", "earliest");
    p.put("enable.auto.commit", "false");
    List<List<T>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      c.partitionsFor(topic).forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
      c.assign(parts);
      for (int i = 0; i < parts.size(); i++) {
        out.add(new ArrayList<>());
      }
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + topic + " to its end offsets");
        }
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
          out.get(r.partition()).add(decoder.decode(r.value()));
        }
      }
    }
    return out;
  }

  /** The event ids on a registry topic, read_committed. */
  static List<String> eventIds(String servers, String topic) throws Exception {
    return readCommitted(
            servers, topic, io.moestream.schemas.ExpertLifecycleEvent.getDecoder()::decode)
        .stream()
        .map(e -> e.getEventId().toString())
        .toList();
  }
}
