package io.moestream.moe.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.data.TextCorpus;
import io.moestream.moe.lifecycle.RoutingRecords;
import io.moestream.moe.tensor.DeviceReads;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * How often a training step reads tensor values to the host (issue 17: each read waits for every
 * queued kernel). Without a lifecycle event a step makes one read per MoE layer — its routing
 * decisions, which size the expert dispatch — and one at the end for the loss, the aux loss, the
 * gradient norm and the routing records' R_S sums together. Counted by {@link DeviceReads}, through
 * which every read of the training path goes.
 */
class StepReadsTest {
  private static final int LAYERS = 2;

  /** Records steps 0..1, lifecycle after step 1: step 0 records but changes nothing. */
  private static final RecordingWindow WINDOW = new RecordingWindow(0, 2, 4);

  private static long readsOfOneStep(MoeTrainer t, int[][] batch) {
    long before = DeviceReads.count();
    t.train(batch);
    return DeviceReads.count() - before;
  }

  @Test
  void aDynMoeStepThatRecordsRoutingReadsOncePerLayerAndOnceAtTheEnd() {
    ModelConfig mc = new ModelConfig(259, 32, LAYERS, 2, 32, 64, RouterConfig.dynMoe(4, 8));
    TextCorpus.BatchCursor cursor = TextCorpus.bundled().cursor(4, 32);
    try (MoeTrainer t = MoeTrainer.create(mc, TrainConfig.defaults(3).withWindow(WINDOW))) {
      assertThat(readsOfOneStep(t, cursor.next())).isEqualTo(LAYERS + 1);
      // The R_S sums rode along in the final read: they are on the host now.
      RoutingRecords[] records = t.routingRecords();
      long unrouted = Arrays.stream(records).mapToLong(RoutingRecords::unroutedTokens).sum();
      assertThat(unrouted)
          .as("tokens with k = 0 at init, so R_S had something to read")
          .isPositive();
      for (RoutingRecords r : records) {
        assertThat(r.unroutedSumIsZero()).isEqualTo(r.unroutedTokens() == 0);
      }
    }
  }

  @Test
  void aSkippedStepReadsNoMore() {
    ModelConfig mc = new ModelConfig(259, 32, LAYERS, 2, 32, 64, RouterConfig.dynMoe(4, 8));
    TextCorpus.BatchCursor cursor = TextCorpus.bundled().cursor(4, 32);
    try (MoeTrainer t = MoeTrainer.create(mc, TrainConfig.defaults(3).withWindow(WINDOW))) {
      int[][] batch = cursor.next();
      float[] wte = t.store().get("wte").toFloatArray();
      Arrays.fill(wte, batch[0][0] * mc.dModel(), (batch[0][0] + 1) * mc.dModel(), Float.MAX_VALUE);
      t.store().assign("wte", wte);
      long before = DeviceReads.count();
      StepResult r = t.train(batch);
      assertThat(r.skipped()).isTrue();
      assertThat(DeviceReads.count() - before).isEqualTo(LAYERS + 1);
    }
  }

  @Test
  void aTopKStepReadsItsProbabilitiesOncePerLayerAndNotItsSelections() {
    ModelConfig mc = new ModelConfig(259, 32, LAYERS, 2, 32, 64, RouterConfig.topK(4, 2));
    TextCorpus.BatchCursor cursor = TextCorpus.bundled().cursor(4, 32);
    try (MoeTrainer t = MoeTrainer.create(mc, TrainConfig.defaults(3))) {
      assertThat(readsOfOneStep(t, cursor.next())).isEqualTo(LAYERS + 1);
    }
  }

  @Test
  void severalTensorsCrossInOneCountedRead() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.create(new float[] {1.5f, -2f});
      NDArray b = m.create(new float[] {3f, 4f, 5f, 6f}, new ai.djl.ndarray.types.Shape(2, 2));
      long before = DeviceReads.count();
      double[][] both = DeviceReads.doubles(a, null, b);
      assertThat(DeviceReads.count() - before).isEqualTo(1);
      assertThat(both[0]).containsExactly(1.5, -2.0);
      assertThat(both[1]).isNull();
      assertThat(both[2]).containsExactly(3.0, 4.0, 5.0, 6.0);
    }
  }
}
