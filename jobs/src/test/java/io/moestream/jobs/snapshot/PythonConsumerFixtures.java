package io.moestream.jobs.snapshot;

import io.moestream.jobs.cli.TopicNames;
import io.moestream.jobs.kafka.RegistryFixtures;
import io.moestream.schemas.ExpertEventKind;
import io.moestream.schemas.ExpertLifecycleEvent;
import io.moestream.schemas.LifecycleKeys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Registry events for the consumer comparison, written as the job writes them (transactional, Avro
 * single-object encoding): a spawn and a prune with their trigger shares and a stage change
 * committed, one spawn written with the schema's first version (another fingerprint, read through
 * the history), and one spawn in an aborted transaction, which no read_committed reader may show.
 */
final class PythonConsumerFixtures {
  static final String MODEL = "py-fixture";
  static final int COMMITTED = 4;

  private PythonConsumerFixtures() {}

  private static List<ExpertLifecycleEvent> committed() {
    ExpertLifecycleEvent stage =
        ExpertLifecycleEvent.newBuilder(
                RegistryFixtures.event(MODEL, -1, -1, ExpertEventKind.STAGE_CHANGED, 300))
            .setStage("DTR")
            .build();
    // Trigger shares (schema v3) both readers must print alike: 0.00375 is just below its decimal
    // tie in binary, so a half-up rounding of the decimal would print 0.0038, Python 0.0037.
    return List.of(
        ExpertLifecycleEvent.newBuilder(
                RegistryFixtures.event(MODEL, 0, 4, ExpertEventKind.SPAWNED, 100))
            .setTriggerShare(0.125)
            .build(),
        ExpertLifecycleEvent.newBuilder(
                RegistryFixtures.event(MODEL, 1, 2, ExpertEventKind.PRUNED, 100))
            .setTriggerShare(0.00375)
            .build(),
        stage);
  }

  private static ExpertLifecycleEvent writtenWithV1() {
    return RegistryFixtures.event(MODEL, 1, 5, ExpertEventKind.SPAWNED, 200);
  }

  private static ExpertLifecycleEvent aborted() {
    return RegistryFixtures.event(MODEL, 0, 6, ExpertEventKind.SPAWNED, 400);
  }

  static List<String> committedIds() {
    List<String> ids = new java.util.ArrayList<>();
    committed().forEach(e -> ids.add(e.getEventId()));
    ids.add(writtenWithV1().getEventId());
    return ids;
  }

  static String abortedId() {
    return aborted().getEventId();
  }

  static void write(String servers) throws IOException {
    Properties p = new Properties();
    p.setProperty("bootstrap.servers", servers);
    p.setProperty("key.serializer", ByteArraySerializer.class.getName());
    p.setProperty("value.serializer", ByteArraySerializer.class.getName());
    p.setProperty("transactional.id", "python-consumer-fixtures");
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      producer.initTransactions();
      producer.beginTransaction();
      for (ExpertLifecycleEvent e : committed()) {
        producer.send(RegistryFixtures.record(e));
      }
      ExpertLifecycleEvent old = writtenWithV1();
      producer.send(
          new ProducerRecord<>(
              TopicNames.REGISTRY,
              LifecycleKeys.kafkaKey(old).getBytes(StandardCharsets.UTF_8),
              encodeV1(old)));
      producer.commitTransaction();
      producer.beginTransaction();
      producer.send(RegistryFixtures.record(aborted()));
      producer.flush();
      producer.abortTransaction();
    }
  }

  /** {@code e} as a producer still on the schema's v1 wrote it (v1 has no stage field). */
  private static byte[] encodeV1(ExpertLifecycleEvent e) throws IOException {
    Schema v1;
    try (InputStream in =
        PythonConsumerFixtures.class.getResourceAsStream(
            "/schemas/history/ExpertLifecycleEvent/v1.avsc")) {
      v1 = new Schema.Parser().parse(in);
    }
    GenericData.Record r = new GenericData.Record(v1);
    for (Schema.Field f : v1.getFields()) {
      Object v = e.get(f.name());
      if (v instanceof Instant i) {
        v = i.toEpochMilli();
      } else if (v instanceof Enum<?> kind) {
        v = new GenericData.EnumSymbol(f.schema(), kind.name());
      }
      r.put(f.name(), v);
    }
    ByteBuffer b = new BinaryMessageEncoder<GenericData.Record>(GenericData.get(), v1).encode(r);
    return Arrays.copyOfRange(
        b.array(), b.arrayOffset() + b.position(), b.arrayOffset() + b.limit());
  }
}
