package io.moestream.moe.router;

import static io.moestream.moe.router.TopKRouterTest.host;
import static io.moestream.moe.router.TopKRouterTest.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.tensor.Autograd;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Rng;
import org.junit.jupiter.api.Test;

/**
 * DynMoE's training-gate options (issue 16) on hand-computed values. d = E = 3, W_g = I, so token
 * x's cosine with expert e is x_e / ||x||; every threshold is sigmoid(G) = 0.6 (G = ln 1.5):
 *
 * <pre>
 * token  x               cos              s = sigmoid(cos)            fires (s > 0.6)
 * 0      (1, 0, 0)       (1, 0, 0)        (0.7311, 0.5, 0.5)          {0}      k = 1
 * 1      (0.6, 0.8, 0)   (0.6, 0.8, 0)    (0.6457, 0.6900, 0.5)       {0, 1}   k = 2
 * 2      (0.28,-0.96,0)  (0.28,-0.96,0)   (0.5695, 0.2769, 0.5)       {}       k = 0, best 0
 * </pre>
 */
class DynMoeTrainingGateTest {
  private static final double TOL = 1e-5;
  private static final float G = (float) Math.log(1.5);
  private static final RouterConfig C = RouterConfig.dynMoe(3, 3);

  private static ParameterStore store() {
    ParameterStore store = new ParameterStore(NDManager.newBaseManager());
    DynMoeRouter r = new DynMoeRouter(C);
    r.register(store, 0, 3, new Rng(1));
    store.assign(DynMoeRouter.simName(0), new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1});
    store.assign(DynMoeRouter.thresholdsName(0), new float[] {G, G, G});
    return store;
  }

  private static NDArray tokens(NDManager m) {
    return m.create(new float[] {1, 0, 0, 0.6f, 0.8f, 0, 0.28f, -0.96f, 0}, new Shape(3, 3));
  }

  private static Routing route(
      ParameterStore store, NDManager m, DynMoeGate.TrainingGate options, boolean[] active) {
    return Autograd.recording(
        () -> new DynMoeRouter(C, options).route(tokens(m), store, 0, active, true, 0));
  }

  private static final boolean[] ALL = {true, true, true};

  @Test
  void withoutOptionsATokenThatActivatesNothingRunsNothing() {
    try (ParameterStore store = store();
        NDManager m = store.manager().newSubManager()) {
      Routing r = route(store, m, DynMoeGate.TrainingGate.DYNMOE, ALL);
      assertThat(host(r.weights()))
          .containsExactly(rows(row(1, 0, 0), row(0.5, 0.5, 0), row(0, 0, 0)), within(TOL));
      assertThat(r.fellBack()).isNull();
    }
  }

  @Test
  void theFallbackRunsTheBestExpertWithWeightOneAndStaysUnrouted() {
    try (ParameterStore store = store();
        NDManager m = store.manager().newSubManager()) {
      Routing r = route(store, m, new DynMoeGate.TrainingGate(true, false), ALL);
      assertThat(host(r.weights()))
          .containsExactly(rows(row(1, 0, 0), row(0.5, 0.5, 0), row(1, 0, 0)), within(TOL));
      assertThat(host(r.selected()))
          .containsExactly(rows(row(1, 0, 0), row(1, 1, 0), row(1, 0, 0)), within(TOL));
      assertThat(host(r.fellBack())).containsExactly(new double[] {0, 0, 1}, within(TOL));
      SelectedExperts s =
          SelectedExperts.scan(
              RoutedExpertsHost.of(r.selected()), 3, 3, RoutedExpertsHost.of(r.fellBack()));
      assertThat(s.pairs()).isEqualTo(4); // the fallback's pair costs compute
      assertThat(s.unroutedTokens()).containsExactly(2); // but is still spawn evidence
      // The aux loss sees the top-any decisions: efficiency = mean(g) = 3 / 9.
      assertThat(host(r.auxParts().get("efficiency_loss"))[0]).isCloseTo(3.0 / 9, within(TOL));
    }
  }

  @Test
  void theFallbackWeightsGradientReachesTheScoreNotTheThreshold() {
    try (ParameterStore store = store();
        NDManager m = store.manager().newSubManager()) {
      Routing r = route(store, m, new DynMoeGate.TrainingGate(true, false), ALL);
      // L = w[2, 0], the fallback's weight: dL/ds[2,0] = 1, ds/dcos = s(1 − s) = 0.5695·0.4305
      // = 0.24517; dcos/dW[:,0] = (x̂ − cos·ŵ)/||w|| = (0.28, −0.96, 0) − 0.28·(1, 0, 0).
      Autograd.backward(Autograd.recording(() -> r.weights().get("2, 0")));
      double ds = sigmoid(0.28) * (1 - sigmoid(0.28));
      assertThat(ds).isCloseTo(0.24517, within(1e-5));
      assertThat(host(store.get(DynMoeRouter.simName(0)).getGradient()))
          .containsExactly(new double[] {0, 0, 0, -0.96 * ds, 0, 0, 0, 0, 0}, within(TOL));
      assertThat(host(store.get(DynMoeRouter.thresholdsName(0)).getGradient())).containsOnly(0.0);
    }
  }

  @Test
  void theFallbackSkipsMaskedSlotsAndAnEmptyLayer() {
    try (ParameterStore store = store();
        NDManager m = store.manager().newSubManager()) {
      // slot 0 inactive: token 0 fires nothing and falls back to slot 1 or 2 (s = 0.5 both →
      // argmax takes the first, 1); token 2's best active is slot 2 (0.5 > 0.2769)
      Routing r =
          route(
              store,
              m,
              new DynMoeGate.TrainingGate(true, false),
              new boolean[] {false, true, true});
      assertThat(host(r.selected()))
          .containsExactly(rows(row(0, 1, 0), row(0, 1, 0), row(0, 0, 1)), within(TOL));
      assertThat(host(r.fellBack())).containsExactly(new double[] {1, 0, 1}, within(TOL));
      Routing none = route(store, m, new DynMoeGate.TrainingGate(true, false), new boolean[3]);
      assertThat(host(none.selected())).containsOnly(0.0);
      assertThat(host(none.fellBack())).containsOnly(0.0);
    }
  }

  @Test
  void aStraightThroughKRedistributesTheGradientInsteadOfScalingIt() {
    // L = w[1,0] + 3·w[1,1]; token 1 fires {0, 1}, soft_e = s_e − thr, dsoft/dG = −σ'(G) = −0.24.
    // detached k = 2: dL/dg = (1, 3)/2 → dL/dG = −0.24·(0.5, 1.5) = (−0.12, −0.36).
    // straight-through: dL/dg_j = c_j/k − Σ c_e g_e/k² = c_j/2 − 1 → (−0.5, 0.5, −1); slot 2 does
    // not fire (no gradient through relu) → dL/dG = −0.24·(−0.5, 0.5) = (0.12, −0.12, 0).
    assertThat(thresholdGradient(false))
        .containsExactly(new double[] {-0.12, -0.36, 0}, within(TOL));
    assertThat(thresholdGradient(true)).containsExactly(new double[] {0.12, -0.12, 0}, within(TOL));
  }

  private static double[] thresholdGradient(boolean straightThrough) {
    try (ParameterStore store = store();
        NDManager m = store.manager().newSubManager()) {
      Routing r = route(store, m, new DynMoeGate.TrainingGate(false, straightThrough), ALL);
      NDArray c =
          m.create(new float[] {0, 0, 0, 1, 3, 0, 0, 0, 0}, new Shape(3, 3))
              .toType(DataType.FLOAT32, false);
      Autograd.backward(Autograd.recording(() -> r.weights().mul(c).sum()));
      return host(store.get(DynMoeRouter.thresholdsName(0)).getGradient());
    }
  }

  private static double[] row(double... v) {
    return v;
  }

  private static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }

  /** Host copies as the trainer takes them. */
  private static final class RoutedExpertsHost {
    static float[] of(NDArray a) {
      return a.toType(DataType.FLOAT32, false).toFloatArray();
    }
  }
}
