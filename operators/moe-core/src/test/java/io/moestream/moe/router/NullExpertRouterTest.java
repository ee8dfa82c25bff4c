package io.moestream.moe.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.tensor.Autograd;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Rng;
import org.junit.jupiter.api.Test;

/**
 * AdaMoE with E = 2 true and N = 2 null experts, top-2 over all four columns (e0, e1, n0, n1).
 * Tokens are the one-hot rows of I₄ and W = ln P, so token t's distribution is row t of {@link #P}.
 */
class NullExpertRouterTest {
  private static final double TOL = 1e-5;
  private static final String W = SoftmaxGate.weightName(0);
  private static final RouterConfig CONFIG = RouterConfig.nullExperts(2, 2, 2);

  private static final double[][] P = {
    {0.40, 0.30, 0.20, 0.10}, // {e0, e1}: two true experts
    {0.50, 0.10, 0.30, 0.10}, // {e0, n0}: one true expert
    {0.12, 0.03, 0.45, 0.40}, // {n0, n1}: only nulls, the token skips the layer
    {0.35, 0.15, 0.30, 0.20}, // {e0, n0}
  };

  @Test
  void selectsOverTrueAndNullAndRenormalisesOverTheSelectedTrueExperts() {
    try (ParameterStore store = store();
        NDManager m = store.manager().newSubManager()) {
      Routing r = route(store, m, 0);
      assertThat(r.weights().getShape()).isEqualTo(new Shape(4, 2));
      assertThat(host(r.selected())).containsExactly(1, 1, 1, 0, 0, 0, 1, 0);
      // Token 0: 0.4 / 0.7 and 0.3 / 0.7; tokens 1 and 3: the one true expert gets weight 1
      // (the null's 0.3 is not in the denominator); token 2: nothing.
      assertThat(host(r.weights()))
          .containsExactly(new double[] {4.0 / 7, 3.0 / 7, 1, 0, 0, 0, 1, 0}, within(TOL));
      assertThat(NullExpertRouter.trueExpertsPerToken(r.selected())).containsExactly(2, 1, 0, 1);
      assertThat(NullExpertRouter.averageTrueExperts(r.selected())).isEqualTo(1.0);
      assertThat(new NullExpertRouter(CONFIG).slots()).isEqualTo(2);
    }
  }

  @Test
  void loadBalanceAveragesTheNullExperts() {
    try (ParameterStore store = store();
        NDManager m = store.manager().newSubManager()) {
      Routing r = route(store, m, 0);
      // f = (3, 1, 3, 1) / 8 over (e0, e1, n0, n1); P̄ = (1.37, 0.58, 1.25, 0.80) / 4.
      // Nulls averaged: f̄ = 0.25, P̄_null = 0.25625.
      // LB = 4 · (3/8·0.3425 + 1/8·0.145 + 2·0.25·0.25625) = 4 · 0.2746875 = 1.09875,
      // where balancing the nulls individually would give 4 · 0.28875 = 1.155.
      assertThat(r.auxParts()).containsOnlyKeys("load_balance_loss");
      assertThat(scalar(r.auxParts().get("load_balance_loss"))).isCloseTo(1.09875, within(TOL));
      assertThat(scalar(r.aux())).isCloseTo(1.09875, within(TOL));
    }
  }

  @Test
  void theAuxWeightIsAnnealedFromTightToLoose() {
    try (ParameterStore store = store();
        NDManager m = store.manager().newSubManager()) {
      // The preset anneals 0.1 → 0.01 linearly over 1,000 steps.
      assertThat(route(store, m, 0).auxWeight()).isCloseTo(0.1, within(1e-12));
      assertThat(route(store, m, 500).auxWeight()).isCloseTo(0.055, within(1e-12));
      assertThat(route(store, m, 1000).auxWeight()).isCloseTo(0.01, within(1e-12));
      assertThat(route(store, m, 5000).auxWeight()).isCloseTo(0.01, within(1e-12));
    }
  }

  @Test
  void gradientsReachTheRouterThroughTheWeightsAndTheLoss() {
    try (ParameterStore store = store();
        NDManager m = store.manager().newSubManager()) {
      Routing r = Autograd.recording(() -> route(store, m, 0));
      Autograd.backward(Autograd.recording(() -> r.weights().get(new NDIndex("0, 0"))));
      // w0 = p0 / (p0 + p1) = softmax over the two true logits: dw0/dz = (w0 w1, −w0 w1, 0, 0).
      double g = 4.0 / 7 * 3.0 / 7;
      assertThat(host(store.get(W).getGradient()))
          .containsExactly(
              new double[] {g, -g, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, within(TOL));

      // The all-null token divides 0 by 1: the gradient stays finite (here: zero everywhere,
      // since every token's true weights sum to a constant).
      Autograd.zeroGrad(store.get(W));
      Routing again = Autograd.recording(() -> route(store, m, 0));
      Autograd.backward(Autograd.recording(() -> again.weights().sum()));
      assertThat(host(store.get(W).getGradient())).containsExactly(new double[16], within(TOL));

      // LB = (E+N) · Σ_i f'_i P̄_i with f' = (3/8, 1/8, 2/8, 2/8) (the nulls' mean), so per
      // one-hot token dLB/dz_i = (E+N)/T · p_i (f'_i − Σ_j f'_j p_j).
      Autograd.zeroGrad(store.get(W));
      Routing third = Autograd.recording(() -> route(store, m, 0));
      Autograd.backward(third.aux());
      double[] fPrime = {3 / 8.0, 1 / 8.0, 2 / 8.0, 2 / 8.0};
      double[] expected = new double[16];
      for (int t = 0; t < 4; t++) {
        double mean = 0;
        for (int j = 0; j < 4; j++) {
          mean += fPrime[j] * P[t][j];
        }
        for (int i = 0; i < 4; i++) {
          expected[t * 4 + i] = 4.0 / 4 * P[t][i] * (fPrime[i] - mean);
        }
      }
      assertThat(host(store.get(W).getGradient())).containsExactly(expected, within(TOL));
    }
  }

  @Test
  void registersOneMatrixOverTrueAndNullExperts() {
    try (ParameterStore store = new ParameterStore(NDManager.newBaseManager())) {
      NullExpertRouter router = new NullExpertRouter(RouterConfig.nullExperts(4, 3, 2));
      router.register(store, 1, 8, new Rng(3));
      assertThat(store.all()).hasSize(1);
      assertThat(store.get("layers.1.moe.router.weight").getShape()).isEqualTo(new Shape(8, 7));
      assertThat(router.columns()).isEqualTo(7);
      assertThat(router.slots()).isEqualTo(4);
    }
  }

  private static Routing route(ParameterStore store, NDManager m, long step) {
    NDArray x = m.eye(4).toType(DataType.FLOAT32, false);
    return new NullExpertRouter(CONFIG).route(x, store, 0, new boolean[] {true, true}, true, step);
  }

  private static ParameterStore store() {
    return RouterFixtures.storeWithProbabilities(new NullExpertRouter(CONFIG), P);
  }

  private static double[] host(NDArray a) {
    return a.stopGradient().toType(DataType.FLOAT64, false).toDoubleArray();
  }

  private static double scalar(NDArray a) {
    return host(a)[0];
  }
}
