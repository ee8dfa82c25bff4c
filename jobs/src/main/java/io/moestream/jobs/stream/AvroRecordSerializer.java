package io.moestream.jobs.stream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes an Avro record as its single-object encoding (schema fingerprint + binary body), so a
 * consumer can tell which schema wrote it without a registry; the Kafka key comes from the record.
 */
public final class AvroRecordSerializer<T extends SpecificRecordBase>
    implements KafkaRecordSerializationSchema<T> {
  private final String topic;
  private final SerializableFunction<T, String> key;

  public AvroRecordSerializer(String topic, SerializableFunction<T, String> key) {
    this.topic = topic;
    this.key = key;
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(T element, KafkaSinkContext ctx, Long timestamp) {
    try {
      ByteBuffer b = (ByteBuffer) element.getClass().getMethod("toByteBuffer").invoke(element);
      byte[] value = new byte[b.remaining()];
      b.get(value);
      return new ProducerRecord<>(
          topic, null, timestamp, key.apply(element).getBytes(StandardCharsets.UTF_8), value);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot encode " + element.getClass().getName(), e);
    }
  }
}
