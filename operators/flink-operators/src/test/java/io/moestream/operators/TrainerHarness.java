package io.moestream.operators;

import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.schemas.ExpertLifecycleEvent;
import io.moestream.schemas.TokenSequence;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/** Builds trainer-operator harnesses on RocksDB and deterministic token records for tests. */
final class TrainerHarness {
  private TrainerHarness() {}

  /** A tiny model: batch 2 × (ctx 8 + 1) = 18 tokens per step, a lifecycle every 4 steps. */
  static TrainerSettings settings() {
    return settings(RouterConfig.dynMoe(2, 4));
  }

  static TrainerSettings settings(RouterConfig router) {
    ModelConfig mc = new ModelConfig(259, 16, 1, 2, 8, 16, router);
    TrainConfig tc = TrainConfig.defaults(3).withWindow(new RecordingWindow(2, 2, 4));
    return new TrainerSettings(mc, tc, 2, 3);
  }

  static KeyedOneInputStreamOperatorTestHarness<String, TokenSequence, ExpertLifecycleEvent>
      harness(MoeTrainerOperator operator) throws Exception {
    KeyedOneInputStreamOperatorTestHarness<String, TokenSequence, ExpertLifecycleEvent> h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            operator, TokenSequence::getModelId, Types.STRING);
    h.setStateBackend(new EmbeddedRocksDBStateBackend());
    return h;
  }

  /** What a stream task does at a checkpoint: the pre-barrier hook, then the snapshot. */
  static org.apache.flink.runtime.checkpoint.OperatorSubtaskState checkpoint(
      KeyedOneInputStreamOperatorTestHarness<String, TokenSequence, ExpertLifecycleEvent> h,
      long id)
      throws Exception {
    h.prepareSnapshotPreBarrier(id);
    return h.snapshot(id, id * 100);
  }

  /** {@code count} records of 7 tokens each for {@code modelId}, the same for the same seed. */
  static List<TokenSequence> records(String modelId, int count, long seed) {
    Random r = new Random(seed);
    List<TokenSequence> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      List<Integer> tokens = new ArrayList<>();
      for (int j = 0; j < 7; j++) {
        tokens.add(97 + r.nextInt(26));
      }
      out.add(
          TokenSequence.newBuilder()
              .setModelId(modelId)
              .setSequenceId(i)
              .setTokens(tokens)
              .setDomain(null)
              .setModality(null)
              .setEventTime(Instant.ofEpochMilli(1_000L * i))
              .build());
    }
    return out;
  }
}
