package io.moestream.jobs.stream;

import java.util.List;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.connector.kafka.source.enumerator.KafkaSourceEnumState;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;

/**
 * A restored Kafka enumerator of a bounded run that tells every reader "no more splits" once its
 * partition discovery is done. Ordering: the coordinator runs async calls on one worker thread and
 * their handlers on one coordinator thread, both in submission order, so the handler submitted here
 * after {@code start()} runs after the Kafka enumerator has assigned what discovery found.
 */
final class EndSignallingEnumerator
    implements SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> {
  private final SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> inner;
  private final SplitEnumeratorContext<KafkaPartitionSplit> context;
  private boolean discoveryDone;

  EndSignallingEnumerator(
      SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> inner,
      SplitEnumeratorContext<KafkaPartitionSplit> context) {
    this.inner = inner;
    this.context = context;
  }

  @Override
  public void start() {
    inner.start();
    context.callAsync(
        () -> Boolean.TRUE,
        (done, error) -> {
          discoveryDone = true;
          context.registeredReaders().keySet().forEach(context::signalNoMoreSplits);
        });
  }

  @Override
  public void addReader(int subtaskId) {
    inner.addReader(subtaskId);
    if (discoveryDone) {
      context.signalNoMoreSplits(subtaskId);
    }
  }

  @Override
  public void handleSplitRequest(int subtaskId, String requesterHostname) {
    inner.handleSplitRequest(subtaskId, requesterHostname);
  }

  @Override
  public void addSplitsBack(List<KafkaPartitionSplit> splits, int subtaskId) {
    inner.addSplitsBack(splits, subtaskId);
  }

  @Override
  public KafkaSourceEnumState snapshotState(long checkpointId) throws Exception {
    return inner.snapshotState(checkpointId);
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    inner.notifyCheckpointComplete(checkpointId);
  }

  @Override
  public void handleSourceEvent(int subtaskId, SourceEvent event) {
    inner.handleSourceEvent(subtaskId, event);
  }

  @Override
  public void close() throws java.io.IOException {
    inner.close();
  }
}
