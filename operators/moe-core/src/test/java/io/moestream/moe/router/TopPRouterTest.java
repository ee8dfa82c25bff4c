package io.moestream.moe.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.moestream.moe.config.AuxVariant;
import io.moestream.moe.config.EvoMoeConfig;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.RouterKind;
import io.moestream.moe.tensor.Autograd;
import io.moestream.moe.tensor.ParameterStore;
import org.junit.jupiter.api.Test;

/**
 * Top-p against hand-computed values; tokens are the one-hot rows of I₄ and W = ln P, so token t's
 * router distribution is exactly row t of {@link #P}.
 */
class TopPRouterTest {
  private static final double TOL = 1e-5;
  private static final String W = SoftmaxGate.weightName(0);

  /** Probabilities, and (for p = 0.6) the cumulative sums in descending order. */
  private static final double[][] P = {
    {0.35, 0.30, 0.20, 0.15}, // 0.35, 0.65 > 0.6 → {0, 1}: the crossing expert is kept
    {0.05, 0.90, 0.03, 0.02}, // 0.90 > 0.6 → {1}: the first expert alone crosses
    {0.22, 0.26, 0.24, 0.28}, // 0.28, 0.54, 0.78 → {3, 1, 2}
    {0.10, 0.20, 0.30, 0.40}, // 0.40, 0.70 → {3, 2}
  };

  @Test
  void keepsExpertsUntilTheCumulativeProbabilityFirstExceedsP() {
    try (ParameterStore store = store();
        NDManager m = store.manager().newSubManager()) {
      Routing r = route(RouterConfig.topP(4, 0.6), store, m);
      assertThat(host(r.selected()))
          .containsExactly(
              1, 1, 0, 0, //
              0, 1, 0, 0, //
              0, 1, 1, 1, //
              0, 0, 1, 1);
      // Raw probabilities, not renormalised: token 0 keeps 0.35 and 0.30 (sum 0.65, not 1).
      assertThat(host(r.weights()))
          .containsExactly(
              new double[] {
                0.35, 0.30, 0, 0, //
                0, 0.90, 0, 0, //
                0, 0.26, 0.24, 0.28, //
                0, 0, 0.30, 0.40
              },
              within(TOL));
    }
  }

  @Test
  void theBoundaryExpertIsIncludedAndOneExpertIsTheMinimum() {
    try (ParameterStore store = store();
        NDManager m = store.manager().newSubManager()) {
      // Token 0: cumulative 0.35, 0.65, 0.85, 1.0.
      assertThat(row0(route(RouterConfig.topP(4, 0.34), store, m))).containsExactly(1, 0, 0, 0);
      assertThat(row0(route(RouterConfig.topP(4, 0.36), store, m))).containsExactly(1, 1, 0, 0);
      assertThat(row0(route(RouterConfig.topP(4, 0.64), store, m))).containsExactly(1, 1, 0, 0);
      assertThat(row0(route(RouterConfig.topP(4, 0.66), store, m))).containsExactly(1, 1, 1, 0);
      assertThat(row0(route(RouterConfig.topP(4, 1.0), store, m))).containsExactly(1, 1, 1, 1);
      // A tiny p still routes every token to its most probable expert.
      assertThat(host(route(RouterConfig.topP(4, 0.01), store, m).selected()))
          .containsExactly(
              1, 0, 0, 0, //
              0, 1, 0, 0, //
              0, 0, 0, 1, //
              0, 0, 0, 1);
    }
  }

  @Test
  void lossesAreLoadBalancePlusScaledEntropy() {
    try (ParameterStore store = store();
        NDManager m = store.manager().newSubManager()) {
      Routing r = route(RouterConfig.topP(4, 0.6), store, m);
      // f = (1, 3, 2, 2) / 8 selections; P̄ = (0.72, 1.66, 0.77, 0.85) / 4;
      // LB = 4 · (0.18 + 3·0.415 + 2·0.1925 + 2·0.2125) / 8 = 4 · 2.235 / 8 = 1.1175.
      double lb = 1.1175;
      double h = entropy();
      assertThat(h).isCloseTo(1.1063, within(1e-4)); // ≈ (1.3351 + 0.4280 + 1.3823 + 1.2799) / 4
      assertThat(r.auxParts()).containsOnlyKeys("load_balance_loss", "entropy_loss");
      assertThat(scalar(r.auxParts().get("load_balance_loss"))).isCloseTo(lb, within(TOL));
      assertThat(scalar(r.auxParts().get("entropy_loss"))).isCloseTo(h, within(TOL));
      assertThat(r.auxWeight()).isEqualTo(0.01);
      assertThat(r.auxWeight() * scalar(r.aux())).isCloseTo(0.01 * lb + 1e-4 * h, within(1e-7));

      RouterConfig noLb =
          new RouterConfig(
              RouterKind.TOPP,
              4,
              4,
              1,
              0.6,
              0,
              AuxVariant.DEEPSPEED,
              0,
              1e-4,
              0,
              0,
              EvoMoeConfig.defaults());
      Routing onlyH = route(noLb, store, m);
      assertThat(onlyH.auxWeight()).isEqualTo(1e-4);
      assertThat(scalar(onlyH.aux())).isCloseTo(h, within(TOL));
    }
  }

  @Test
  void gradientsReachTheRouterThroughRawWeightsAndEntropy() {
    RouterConfig c = RouterConfig.topP(4, 0.6);
    int[][] kept = {{0, 1}, {1}, {1, 2, 3}, {2, 3}};
    try (ParameterStore store = store();
        NDManager m = store.manager().newSubManager()) {
      Routing r = Autograd.recording(() -> route(c, store, m));
      Autograd.backward(Autograd.recording(() -> r.weights().sum()));
      // d(Σ_{j∈S} p_j)/dz_i = p_i (1[i ∈ S] − Σ_{j∈S} p_j), per one-hot token.
      double[] expected = new double[16];
      for (int t = 0; t < 4; t++) {
        double s = 0;
        boolean[] in = new boolean[4];
        for (int j : kept[t]) {
          s += P[t][j];
          in[j] = true;
        }
        for (int i = 0; i < 4; i++) {
          expected[t * 4 + i] = P[t][i] * ((in[i] ? 1 : 0) - s);
        }
      }
      assertThat(expected[0]).isCloseTo(0.35 * 0.35, within(1e-12)); // 0.35 · (1 − 0.65)
      assertThat(host(store.get(W).getGradient())).containsExactly(expected, within(TOL));

      Autograd.zeroGrad(store.get(W));
      // A fresh forward: the first backward freed the shared graph.
      Routing again = Autograd.recording(() -> route(c, store, m));
      Autograd.backward(again.auxParts().get("entropy_loss"));
      // dH_t/dz_i = −p_i (ln p_i + H_t); the loss is the mean over T = 4 tokens.
      for (int t = 0; t < 4; t++) {
        double ht = rowEntropy(P[t]);
        for (int i = 0; i < 4; i++) {
          expected[t * 4 + i] = -P[t][i] * (Math.log(P[t][i]) + ht) / 4;
        }
      }
      assertThat(host(store.get(W).getGradient())).containsExactly(expected, within(TOL));
    }
  }

  private static Routing route(RouterConfig c, ParameterStore store, NDManager m) {
    NDArray x = m.eye(4).toType(DataType.FLOAT32, false);
    return new TopPRouter(c).route(x, store, 0, new boolean[] {true, true, true, true}, true, 0);
  }

  private static ParameterStore store() {
    return RouterFixtures.storeWithProbabilities(new TopPRouter(RouterConfig.topP(4, 0.6)), P);
  }

  /** Mean over the tokens of −Σ p ln p, in plain doubles. */
  private static double entropy() {
    double sum = 0;
    for (double[] row : P) {
      sum += rowEntropy(row);
    }
    return sum / P.length;
  }

  private static double rowEntropy(double[] p) {
    double h = 0;
    for (double v : p) {
      h -= v * Math.log(v);
    }
    return h;
  }

  private static double[] row0(Routing r) {
    return java.util.Arrays.copyOf(host(r.selected()), 4);
  }

  private static double[] host(NDArray a) {
    return a.stopGradient().toType(DataType.FLOAT64, false).toDoubleArray();
  }

  private static double scalar(NDArray a) {
    return host(a)[0];
  }
}
