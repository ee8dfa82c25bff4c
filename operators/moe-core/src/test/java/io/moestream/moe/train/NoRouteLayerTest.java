package io.moestream.moe.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.data.TextCorpus;
import io.moestream.moe.model.LayerStats;
import io.moestream.moe.model.RoutedExperts;
import io.moestream.moe.router.DynMoeGate;
import io.moestream.moe.router.DynMoeRouter;
import io.moestream.moe.tensor.Autograd;
import io.moestream.moe.tensor.Rng;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A layer where no token activates any expert — DynMoE thresholds above every score, or every slot
 * masked — is a valid state: the MoE output is zero, the task-loss gradients of gate and experts
 * are zero (not "element 0 of tensors does not require grad"), and the model trains on.
 */
class NoRouteLayerTest {
  private static final int S = 6;
  private static final int D = 4;
  private static final int E = 3;

  /** The conformance path (DynMoeConformance): real gate and combine, toy linear experts. */
  private static void assertZeroTaskGradients(float threshold, float[] mask) {
    try (NDManager m = NDManager.newBaseManager()) {
      Rng rng = new Rng(5);
      NDArray x = leaf(m, rng, new Shape(S, D));
      NDArray sim = leaf(m, rng, new Shape(D, E));
      NDArray gates = m.full(new Shape(E), threshold);
      gates.setRequiresGradient(true);
      NDArray a = leaf(m, rng, new Shape(E, D, D));
      NDArray b = leaf(m, rng, new Shape(E, D));
      NDArray r = leaf(m, rng, new Shape(S, D));
      r.setRequiresGradient(false); // as in the conformance cases: R is data, not an input
      NDArray maskArray = m.create(mask);
      NDArray[] leaves = {sim, gates, x, a, b};

      NDArray[] yAndTask =
          Autograd.recording(
              () -> {
                DynMoeGate.Result g = DynMoeGate.forward(x, sim, gates, maskArray, true);
                NDArray y =
                    RoutedExperts.combine(
                        x,
                        g.weights(),
                        RoutedExperts.host(g.gate()),
                        D,
                        (e, rows) -> rows.matMul(a.get(e)).add(b.get(e)));
                return new NDArray[] {y, y.mul(r).sum()};
              });
      Autograd.backward(yAndTask[1]);

      assertThat(yAndTask[0].toFloatArray()).as("MoE output").containsOnly(0f);
      for (NDArray leaf : leaves) {
        assertThat(leaf.getGradient().toType(DataType.FLOAT32, false).toFloatArray())
            .as("task-loss gradient")
            .containsOnly(0f);
      }
    }
  }

  private static NDArray leaf(NDManager m, Rng rng, Shape shape) {
    float[] v = new float[(int) shape.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) rng.nextGaussian();
    }
    NDArray a = m.create(v, shape);
    a.setRequiresGradient(true);
    return a;
  }

  @Test
  void thresholdsAboveEveryScoreGiveZeroOutputAndZeroTaskGradients() {
    assertZeroTaskGradients(20f, new float[] {1, 1, 1}); // sigmoid(20) > any sigmoid(cosine)
  }

  @Test
  void everySlotMaskedGivesZeroOutputAndZeroTaskGradients() {
    assertZeroTaskGradients(0f, new float[] {0, 0, 0});
  }

  private static MoeTrainer trainer() {
    ModelConfig mc = new ModelConfig(259, 32, 2, 2, 32, 64, RouterConfig.dynMoe(2, 4));
    return MoeTrainer.create(
        mc, TrainConfig.defaults(3).withWindow(new RecordingWindow(1000, 10, 1000)));
  }

  @Test
  void aModelWhoseThresholdsRouteNoTokenStillTrains() {
    TextCorpus.BatchCursor cursor = TextCorpus.bundled().cursor(4, 32);
    try (MoeTrainer t = trainer()) {
      for (int l = 0; l < t.modelConfig().layers(); l++) {
        float[] high = new float[4];
        Arrays.fill(high, 20f);
        t.store().assign(DynMoeRouter.thresholdsName(l), high);
      }
      assertTrainsWithoutRouting(t, cursor);
    }
  }

  @Test
  void aModelWithEverySlotMaskedStillTrainsAndEvaluates() {
    TextCorpus.BatchCursor cursor = TextCorpus.bundled().cursor(4, 32);
    try (MoeTrainer t = trainer()) {
      boolean[][] none = new boolean[t.modelConfig().layers()][4];
      t.restoreCounters(t.step(), none);
      assertTrainsWithoutRouting(t, cursor);
      EvalResult e = t.evaluate(cursor.next());
      assertThat(e.loss()).isFinite();
      assertThat(e.layers())
          .as("inference's top-1 fallback picks no masked slot")
          .allMatch(s -> s.pairs() == 0);
    }
  }

  private static void assertTrainsWithoutRouting(MoeTrainer t, TextCorpus.BatchCursor cursor) {
    double first = Double.NaN;
    double last = Double.NaN;
    for (int i = 0; i < 3; i++) {
      StepResult r = t.train(cursor.next());
      assertThat(r.skipped()).isFalse();
      assertThat(r.prequentialLoss()).isFinite();
      assertThat(r.expertPairs()).as("no token reached an expert").isZero();
      first = i == 0 ? r.prequentialLoss() : first;
      last = r.prequentialLoss();
    }
    assertThat(last).isNotEqualTo(first);
    for (LayerStats s : t.evaluate(cursor.next()).layers()) {
      assertThat(s.tokens()).isPositive();
    }
  }
}
