package io.moestream.jobs.stream;

import io.moestream.operators.RawRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Keeps every Kafka record as raw bytes plus its coordinates. Decoding happens in the validation
 * operator, where a bad record becomes a dead letter instead of a source failure that would restart
 * the job forever on the same offset.
 */
public final class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {
  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<RawRecord> out) {
    out.collect(
        new RawRecord(r.key(), r.value(), r.topic(), r.partition(), r.offset(), r.timestamp()));
  }

  @Override
  public TypeInformation<RawRecord> getProducedType() {
    return TypeInformation.of(RawRecord.class);
  }
}
