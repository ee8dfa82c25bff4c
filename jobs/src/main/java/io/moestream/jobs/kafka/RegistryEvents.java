package io.moestream.jobs.kafka;

import io.moestream.jobs.cli.KafkaClientProps;
import io.moestream.schemas.ExpertLifecycleEvent;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** The whole registry topic, read_committed from the beginning, as decoded events. */
final class RegistryEvents {
  private RegistryEvents() {}

  /** Undecodable records are reported on {@code err} and skipped; tombstones are skipped. */
  static List<ExpertLifecycleEvent> readAll(
      KafkaClientProps kafka, String topic, Duration timeout, PrintWriter err) {
    CliDefaults.quietKafkaClients();
    List<ExpertLifecycleEvent> out = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(kafka, topic, timeout)) {
      ExpertLifecycleEvent e = RegistryTailCommand.decode(r, err);
      if (e != null) {
        out.add(e);
      }
    }
    return out;
  }
}
