package io.moestream.jobs.stream;

import io.moestream.operators.RawRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.KafkaSourceEnumState;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * A bounded {@link KafkaSource} that also ends after a restore from a savepoint of an unbounded run
 * ({@code train --bounded --from-savepoint}). The Kafka source (connector 5.0.0-2.2) does not: the
 * restored splits carry "no stopping offset", and the restored enumerator never tells the readers
 * that no more splits come (its one partition discovery finds nothing new and returns before that
 * step). Here restored splits stop at the partition's latest offset when they start ({@link
 * StoppingReader}), and a restored enumerator signals the end once its discovery is done ({@link
 * EndSignallingEnumerator}). Fresh runs and every state format are the Kafka source's own.
 */
final class BoundedRestoredSource
    implements Source<RawRecord, KafkaPartitionSplit, KafkaSourceEnumState>,
        ResultTypeQueryable<RawRecord> {
  private final KafkaSource<RawRecord> kafka;

  BoundedRestoredSource(KafkaSource<RawRecord> kafka) {
    if (kafka.getBoundedness() != Boundedness.BOUNDED) {
      throw new IllegalArgumentException("the Kafka source must be bounded");
    }
    this.kafka = kafka;
  }

  @Override
  public Boundedness getBoundedness() {
    return Boundedness.BOUNDED;
  }

  @Override
  public SourceReader<RawRecord, KafkaPartitionSplit> createReader(SourceReaderContext context)
      throws Exception {
    return new StoppingReader(kafka.createReader(context));
  }

  @Override
  public SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> createEnumerator(
      SplitEnumeratorContext<KafkaPartitionSplit> context) {
    return kafka.createEnumerator(context);
  }

  @Override
  public SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> restoreEnumerator(
      SplitEnumeratorContext<KafkaPartitionSplit> context, KafkaSourceEnumState state)
      throws java.io.IOException {
    return new EndSignallingEnumerator(kafka.restoreEnumerator(context, state), context);
  }

  @Override
  public SimpleVersionedSerializer<KafkaPartitionSplit> getSplitSerializer() {
    return kafka.getSplitSerializer();
  }

  @Override
  public SimpleVersionedSerializer<KafkaSourceEnumState> getEnumeratorCheckpointSerializer() {
    return kafka.getEnumeratorCheckpointSerializer();
  }

  @Override
  public TypeInformation<RawRecord> getProducedType() {
    return kafka.getProducedType();
  }
}
