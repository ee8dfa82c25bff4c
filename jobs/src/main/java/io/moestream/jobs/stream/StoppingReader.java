package io.moestream.jobs.stream;

import io.moestream.operators.RawRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.flink.core.io.InputStatus;

/**
 * The Kafka reader of a bounded run, giving every split without a stopping offset (one restored
 * from an unbounded run) the partition's latest offset, read when the split starts, as its stop.
 */
final class StoppingReader implements SourceReader<RawRecord, KafkaPartitionSplit> {
  private final SourceReader<RawRecord, KafkaPartitionSplit> inner;

  StoppingReader(SourceReader<RawRecord, KafkaPartitionSplit> inner) {
    this.inner = inner;
  }

  /** {@code split}, or the same split stopping at the latest offset when it has no stop. */
  static KafkaPartitionSplit withStop(KafkaPartitionSplit split) {
    return split.getStoppingOffset().isPresent()
        ? split
        : new KafkaPartitionSplit(
            split.getTopicPartition(),
            split.getStartingOffset(),
            KafkaPartitionSplit.LATEST_OFFSET);
  }

  @Override
  public void addSplits(List<KafkaPartitionSplit> splits) {
    List<KafkaPartitionSplit> stopped = new ArrayList<>();
    for (KafkaPartitionSplit s : splits) {
      stopped.add(withStop(s));
    }
    inner.addSplits(stopped);
  }

  @Override
  public void start() {
    inner.start();
  }

  @Override
  public InputStatus pollNext(ReaderOutput<RawRecord> output) throws Exception {
    return inner.pollNext(output);
  }

  @Override
  public List<KafkaPartitionSplit> snapshotState(long checkpointId) {
    return inner.snapshotState(checkpointId);
  }

  @Override
  public CompletableFuture<Void> isAvailable() {
    return inner.isAvailable();
  }

  @Override
  public void notifyNoMoreSplits() {
    inner.notifyNoMoreSplits();
  }

  @Override
  public void handleSourceEvents(SourceEvent event) {
    inner.handleSourceEvents(event);
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    inner.notifyCheckpointComplete(checkpointId); // commits the consumed offsets to Kafka
  }

  @Override
  public void notifyCheckpointAborted(long checkpointId) throws Exception {
    inner.notifyCheckpointAborted(checkpointId);
  }

  @Override
  public void pauseOrResumeSplits(Collection<String> pause, Collection<String> resume) {
    inner.pauseOrResumeSplits(pause, resume);
  }

  @Override
  public void close() throws Exception {
    inner.close();
  }
}
