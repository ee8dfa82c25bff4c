package io.moestream.moe.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.data.TextCorpus;
import io.moestream.moe.model.ModelInit;
import io.moestream.moe.router.DynMoeRouter;
import io.moestream.moe.router.SoftmaxGate;
import io.moestream.moe.tensor.Param;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Sparse upcycling (issue 16 point 3): after the init every expert slot of every layer is exactly
 * the source's FFN, the shared tensors are exactly the source's, the gates are the new model's own
 * seed draw with distinct columns, the optimizer is fresh and the step 0; shapes that do not fit
 * are refused naming the field.
 */
class UpcyclingTest {
  private static final int CTX = 8;

  private static ModelConfig config(RouterConfig router) {
    return new ModelConfig(259, 16, 2, 2, CTX, 24, router);
  }

  private static TrainConfig train(long seed) {
    return TrainConfig.defaults(seed).withWindow(new RecordingWindow(2, 2, 4));
  }

  /** A dense model trained a few steps, so its values and moments are not an init's. */
  private static MoeTrainer trainedDense() {
    MoeTrainer t = MoeTrainer.create(config(RouterConfig.dense()), train(7));
    for (int i = 0; i < 3; i++) {
      t.train(batch(i));
    }
    return t;
  }

  private static int[][] batch(int i) {
    int[] text = TextCorpus.bundled().domains().get(0).tokens();
    int[][] b = new int[2][];
    for (int r = 0; r < b.length; r++) {
      int start = (i * b.length + r) * (CTX + 1);
      b[r] = Arrays.copyOfRange(text, start, start + CTX + 1);
    }
    return b;
  }

  private static float[] values(MoeTrainer t, String name) {
    return t.store().get(name).toFloatArray();
  }

  @Test
  void everySlotOfEveryLayerIsTheDenseFfnAndTheSharedTensorsTheSources() {
    try (MoeTrainer dense = trainedDense();
        MoeTrainer up =
            Upcycling.create(
                config(RouterConfig.dynMoe(2, 4)), train(11), Upcycling.of(dense, "test"), null)) {
      for (int l = 0; l < 2; l++) {
        for (int s = 0; s < 4; s++) { // the two active slots and the two free ones
          for (String part : ModelInit.EXPERT_TENSORS) {
            assertThat(values(up, ModelInit.expertPrefix(l, s) + part))
                .as("layer %d slot %d %s", l, s, part)
                .isEqualTo(values(dense, ModelInit.expertPrefix(l, 0) + part));
          }
        }
      }
      int shared = 0;
      for (Param p : dense.store().all()) {
        if (p.layer() < 0 && !p.isExpertSlot()) {
          assertThat(values(up, p.name())).as(p.name()).isEqualTo(values(dense, p.name()));
          shared++;
        }
      }
      assertThat(shared).as("wte, wpe, ln_f (2) and 2 x 8 of ln1, attn, ln2").isEqualTo(20);
      assertThat(up.step()).isZero();
      assertThat(up.activeCounts()).containsExactly(2, 2);
    }
  }

  @Test
  void theOptimizerStartsFreshAndTheGatesAreTheNewModelsOwnDistinctColumns() {
    try (MoeTrainer dense = trainedDense();
        MoeTrainer up =
            Upcycling.create(
                config(RouterConfig.dynMoe(2, 4)), train(11), Upcycling.of(dense, "t"), null);
        MoeTrainer scratch = MoeTrainer.create(config(RouterConfig.dynMoe(2, 4)), train(11))) {
      assertThat(dense.optimizer().sharedAge()).as("the source had trained").isEqualTo(3);
      assertThat(up.optimizer().sharedAge()).isZero();
      for (long[] ages : up.optimizer().slotAges()) {
        assertThat(ages).containsOnly(0L);
      }
      for (Param p : up.store().all()) {
        for (NDArray m : up.optimizer().moments(p.name())) {
          assertThat(m.toFloatArray()).as("moment of %s", p.name()).containsOnly(0f);
        }
      }
      for (int l = 0; l < 2; l++) {
        String sim = DynMoeRouter.simName(l);
        assertThat(values(up, sim))
            .as("the seed's draw, as a model built from scratch")
            .isEqualTo(values(scratch, sim));
        assertThat(values(up, DynMoeRouter.thresholdsName(l))).containsOnly(0f);
        assertDistinctColumns(values(up, sim), 16, 4);
      }
    }
  }

  @Test
  void aSoftmaxRoutersColumnsAreDistinctToo() {
    try (MoeTrainer dense = trainedDense();
        MoeTrainer up =
            Upcycling.create(
                config(RouterConfig.topK(4, 2)), train(3), Upcycling.of(dense, "t"), null)) {
      for (int l = 0; l < 2; l++) {
        assertDistinctColumns(values(up, SoftmaxGate.weightName(l)), 16, 4);
      }
    }
  }

  @Test
  void theUpcycledModelComputesTheDenseFunctionWhereTheCombineWeightsSumToOne() {
    // DynMoE in inference: a token's weights are g / max(k, 1) with k >= 1 (the top-1 fallback),
    // so identical experts give exactly the dense FFN; top-k (k = 2) renormalises its weights.
    try (MoeTrainer dense = trainedDense();
        MoeTrainer dyn =
            Upcycling.create(
                config(RouterConfig.dynMoe(2, 4)), train(11), Upcycling.of(dense, "t"), null);
        MoeTrainer topk =
            Upcycling.create(
                config(RouterConfig.topK(4, 2)), train(11), Upcycling.of(dense, "t"), null)) {
      int[][] b = batch(9);
      double want = dense.evaluate(b).loss();
      assertThat(dyn.evaluate(b).loss()).isCloseTo(want, within(1e-5));
      assertThat(topk.evaluate(b).loss()).isCloseTo(want, within(1e-5));
    }
  }

  @Test
  void anMoeSourcesActiveExpertsAreCopiedRoundRobinInSlotOrder() {
    try (MoeTrainer moe = MoeTrainer.create(config(RouterConfig.dynMoe(4, 4)), train(5))) {
      moe.train(batch(0));
      Upcycling.Source all = Upcycling.of(moe, "t");
      // As if the source had pruned: layer 0 keeps slots 3 and 1, layer 1 slots 0 and 2.
      Upcycling.Source pruned =
          new Upcycling.Source(
              all.model(), List.of(List.of(3, 1), List.of(0, 2)), all.tensors(), "t", null);
      try (MoeTrainer up =
          Upcycling.create(config(RouterConfig.topK(3, 1)), train(5), pruned, null)) {
        int[][] from = {{1, 3, 1}, {0, 2, 0}};
        for (int l = 0; l < 2; l++) {
          for (int s = 0; s < 3; s++) {
            assertThat(values(up, ModelInit.expertPrefix(l, s) + "w1"))
                .as("layer %d slot %d", l, s)
                .isEqualTo(values(moe, ModelInit.expertPrefix(l, from[l][s]) + "w1"));
          }
        }
      }
    }
  }

  @Test
  void slotSourcesGoRoundRobinOverTheSortedActiveSlots() {
    assertThat(Upcycling.slotSources(List.of(List.of(0)), 3)).isEqualTo(new int[][] {{0, 0, 0}});
    assertThat(Upcycling.slotSources(List.of(List.of(3, 1), List.of(2)), 5))
        .isEqualTo(new int[][] {{1, 3, 1, 3, 1}, {2, 2, 2, 2, 2}});
    // more source experts than new slots: the lowest ones
    assertThat(Upcycling.slotSources(List.of(List.of(0, 1, 2, 3)), 2))
        .isEqualTo(new int[][] {{0, 1}});
  }

  @Test
  void theSameSourceAndSeedGiveTheSameModelAndTrainingFromItIsDeterministic() {
    try (MoeTrainer dense = trainedDense();
        MoeTrainer a =
            Upcycling.create(
                config(RouterConfig.dynMoe(2, 4)), train(2), Upcycling.of(dense, "t"), null);
        MoeTrainer b =
            Upcycling.create(
                config(RouterConfig.dynMoe(2, 4)), train(2), Upcycling.of(dense, "t"), null)) {
      assertThat(a.digest()).isEqualTo(b.digest());
      for (int i = 0; i < 2; i++) {
        assertThat(a.train(batch(i)).prequentialLoss())
            .isEqualTo(b.train(batch(i)).prequentialLoss());
      }
      assertThat(a.digest()).isEqualTo(b.digest());
    }
  }

  @Test
  void shapesThatDoNotFitAreRefusedNamingEveryField() {
    ModelConfig source = config(RouterConfig.dense());
    ModelConfig wider = new ModelConfig(259, 32, 2, 4, 16, 48, RouterConfig.dynMoe(2, 4));
    assertThatThrownBy(() -> Upcycling.checkFits(source, wider))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "the source model does not fit this one: d 16 in the source, 32 here, heads 2 in the"
                + " source, 4 here, ctx 8 in the source, 16 here, expert width (ff) 24 in the"
                + " source, 48 here (upcycling keeps every shape but the router's)");
    ModelConfig deeper = new ModelConfig(259, 16, 3, 2, CTX, 24, RouterConfig.dynMoe(2, 4));
    assertThatThrownBy(() -> Upcycling.checkFits(source, deeper))
        .hasMessageContaining("layers 2 in the source, 3 here");
    ModelConfig vocab = new ModelConfig(300, 16, 2, 2, CTX, 24, RouterConfig.dynMoe(2, 4));
    assertThatThrownBy(() -> Upcycling.checkFits(source, vocab))
        .hasMessageContaining("vocab 259 in the source, 300 here");
    Upcycling.checkFits(source, config(RouterConfig.topK(8, 2))); // any router fits
  }

  @Test
  void aSourceWithoutATensorOrWithoutExpertsIsRefused() {
    try (MoeTrainer dense = trainedDense()) {
      Upcycling.Source full = Upcycling.of(dense, "t");
      Map<String, float[]> lacking = new HashMap<>(full.tensors());
      lacking.remove("layers.1.attn.proj.weight");
      Upcycling.Source broken =
          new Upcycling.Source(full.model(), full.activeSlots(), lacking, "t", null);
      assertThatThrownBy(
              () -> Upcycling.create(config(RouterConfig.dynMoe(2, 4)), train(1), broken, null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("the source lacks tensor layers.1.attn.proj.weight");
      assertThatThrownBy(
              () ->
                  new Upcycling.Source(
                      full.model(), List.of(List.of(0), List.of()), full.tensors(), "t", null))
          .hasMessage("layer 1 of the source has no active expert");
    }
  }

  /** Columns of a row-major (rows, cols) matrix pairwise different. */
  private static void assertDistinctColumns(float[] m, int rows, int cols) {
    for (int a = 0; a < cols; a++) {
      for (int b = a + 1; b < cols; b++) {
        boolean same = true;
        for (int r = 0; r < rows && same; r++) {
          same = m[r * cols + a] == m[r * cols + b];
        }
        assertThat(same).as("gate columns %d and %d identical", a, b).isFalse();
      }
    }
  }
}
