package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Splits restored from an unbounded run get a stop; splits of a bounded run keep theirs. */
class StoppingReaderTest {
  private static final TopicPartition TP = new TopicPartition("tokens", 1);

  @Test
  void aSplitWithoutStopStopsAtTheLatestOffsetFromWhereItWas() {
    KafkaPartitionSplit restored = new KafkaPartitionSplit(TP, 4200);
    assertThat(restored.getStoppingOffset()).isEmpty();
    KafkaPartitionSplit stopped = StoppingReader.withStop(restored);
    assertThat(stopped.getTopicPartition()).isEqualTo(TP);
    assertThat(stopped.getStartingOffset()).isEqualTo(4200);
    assertThat(stopped.getStoppingOffset()).contains(KafkaPartitionSplit.LATEST_OFFSET);
  }

  @Test
  void aSplitWithAStopKeepsIt() {
    KafkaPartitionSplit bounded = new KafkaPartitionSplit(TP, 10, 99);
    assertThat(StoppingReader.withStop(bounded)).isSameAs(bounded);
  }
}
