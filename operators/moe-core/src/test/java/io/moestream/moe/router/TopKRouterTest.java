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
 * Top-k against hand-computed values. Tokens are the one-hot rows of I₄, so token t's logits are
 * row t of W; setting that row to ln(p) makes softmax(row) = p exactly (each p sums to 1).
 */
class TopKRouterTest {
  private static final double TOL = 1e-5;
  private static final String W = SoftmaxGate.weightName(0);

  /** Router probabilities per token (rows) over E = 4 experts (columns). */
  private static final double[][] P = {
    {0.10, 0.40, 0.30, 0.20}, // top-2 {1, 2}
    {0.50, 0.20, 0.20, 0.10}, // top-2 {0, 1}: the 0.2 tie goes to the lower index
    {0.02, 0.08, 0.30, 0.60}, // top-2 {3, 2}
    {0.60, 0.10, 0.25, 0.05}, // top-2 {0, 2}
  };

  @Test
  void topTwoSelectsTheTwoMostProbableAndRenormalises() {
    try (ParameterStore store = store(RouterConfig.topK(4, 2));
        NDManager m = store.manager().newSubManager()) {
      Routing r = new TopKRouter(RouterConfig.topK(4, 2)).route(eye(m), store, 0, all(4), true, 0);

      assertThat(host(r.selected()))
          .containsExactly(
              0, 1, 1, 0, //
              1, 1, 0, 0, //
              0, 0, 1, 1, //
              1, 0, 1, 0);
      // GShard/Mixtral: selected probabilities over their sum, e.g. 0.4 / 0.7 and 0.3 / 0.7.
      assertThat(host(r.weights()))
          .containsExactly(
              rows(
                  new double[] {0, 0.4 / 0.7, 0.3 / 0.7, 0},
                  new double[] {0.5 / 0.7, 0.2 / 0.7, 0, 0},
                  new double[] {0, 0, 0.3 / 0.9, 0.6 / 0.9},
                  new double[] {0.6 / 0.85, 0, 0.25 / 0.85, 0}),
              within(TOL));
      // f = (2, 2, 3, 1) / 8 (8 = T·k assignments);
      // P̄ = (1.22, 0.78, 1.05, 0.95) / 4 = (0.305, 0.195, 0.2625, 0.2375);
      // LB = 4 · (2·0.305 + 2·0.195 + 3·0.2625 + 1·0.2375) / 8 = 4 · 2.025 / 8 = 1.0125.
      assertThat(scalar(r.auxParts().get("load_balance_loss"))).isCloseTo(1.0125, within(TOL));
      assertThat(scalar(r.aux())).isCloseTo(1.0125, within(TOL));
      assertThat(r.auxParts()).containsOnlyKeys("load_balance_loss");
      assertThat(r.auxWeight()).isEqualTo(0.01);
    }
  }

  @Test
  void topOneKeepsTheRawProbabilityAndItsGradient() {
    RouterConfig c = RouterConfig.topK(4, 1);
    try (ParameterStore store = store(c);
        NDManager m = store.manager().newSubManager()) {
      Routing r =
          Autograd.recording(() -> new TopKRouter(c).route(eye(m), store, 0, all(4), true, 0));
      // Switch: the weight is the raw probability of the argmax, not 1.
      assertThat(host(r.weights()))
          .containsExactly(
              new double[] {0, 0.4, 0, 0, 0.5, 0, 0, 0, 0, 0, 0, 0.6, 0.6, 0, 0, 0}, within(TOL));
      // f = (2, 1, 0, 1) / 4; P̄ as above; LB = 4 · (2·0.305 + 0.195 + 0.2375) / 4 = 1.0425.
      assertThat(scalar(r.aux())).isCloseTo(1.0425, within(TOL));

      // Losses on the routing must be built while recording, too.
      Autograd.backward(Autograd.recording(() -> r.weights().sum()));
      // d p_j / d z_i = p_j (δ_ij − p_i); with one-hot tokens grad W[t, :] = that row's value.
      double[] expected = new double[16];
      int[] argmax = {1, 0, 3, 0};
      for (int t = 0; t < 4; t++) {
        double pj = P[t][argmax[t]];
        for (int i = 0; i < 4; i++) {
          expected[t * 4 + i] = pj * ((i == argmax[t] ? 1 : 0) - P[t][i]);
        }
      }
      assertThat(expected[1]).isCloseTo(0.24, within(1e-12)); // 0.4 · (1 − 0.4), a hand check
      assertThat(host(store.get(W).getGradient())).containsExactly(expected, within(TOL));
    }
  }

  @Test
  void gradientsReachTheRouterThroughTheRenormalisedWeights() {
    RouterConfig c = RouterConfig.topK(4, 2);
    try (ParameterStore store = store(c);
        NDManager m = store.manager().newSubManager()) {
      Routing r =
          Autograd.recording(() -> new TopKRouter(c).route(eye(m), store, 0, all(4), true, 0));
      Autograd.backward(Autograd.recording(() -> r.weights().get(new NDIndex("0, 1"))));
      // w = p1 / (p1 + p2) = softmax over the selected logits: dw/dz1 = w(1 − w), dw/dz2 = −w(1−w).
      double w = 0.4 / 0.7;
      assertThat(host(store.get(W).getGradient().get(new NDIndex("0"))))
          .containsExactly(new double[] {0, w * (1 - w), -w * (1 - w), 0}, within(TOL));
    }
  }

  @Test
  void theLoadBalanceLossHasAGradient() {
    RouterConfig c = RouterConfig.topK(4, 2);
    try (ParameterStore store = store(c);
        NDManager m = store.manager().newSubManager()) {
      Routing r =
          Autograd.recording(() -> new TopKRouter(c).route(eye(m), store, 0, all(4), true, 0));
      Autograd.backward(r.aux());
      // dLB/dz[t, i] = (E / (T·T·k)) · p_i (count_i − Σ_j count_j p_j) per one-hot token.
      double[] count = {2, 2, 3, 1};
      double[] expected = new double[16];
      for (int t = 0; t < 4; t++) {
        double mean = 0;
        for (int j = 0; j < 4; j++) {
          mean += count[j] * P[t][j];
        }
        for (int i = 0; i < 4; i++) {
          expected[t * 4 + i] = 4.0 / (4 * 8) * P[t][i] * (count[i] - mean);
        }
      }
      assertThat(host(store.get(W).getGradient())).containsExactly(expected, within(TOL));
    }
  }

  @Test
  void anInactiveSlotIsNeverChosenAndDtypeFollowsX() {
    RouterConfig c = RouterConfig.topK(4, 2);
    try (ParameterStore store = store(c);
        NDManager m = store.manager().newSubManager()) {
      NDArray x = eye(m).toType(DataType.FLOAT64, false);
      boolean[] active = {true, false, true, true};
      Routing r = new TopKRouter(c).route(x, store, 0, active, true, 0);
      assertThat(r.weights().getDataType()).isEqualTo(DataType.FLOAT64);
      // Token 0 over experts {0, 2, 3}: (0.1, 0.3, 0.2) / 0.6 → top-2 {2, 3}.
      assertThat(host(r.selected()))
          .containsExactly(
              0, 0, 1, 1, //
              1, 0, 1, 0, //
              0, 0, 1, 1, //
              1, 0, 1, 0);
      assertThat(host(r.weights())[2]).isCloseTo(0.3 / 0.5, within(TOL));
    }
  }

  @Test
  void registersOneNormalMatrix() {
    RouterConfig c = RouterConfig.topK(8, 2);
    try (ParameterStore store = new ParameterStore(NDManager.newBaseManager())) {
      new TopKRouter(c).register(store, 3, 64, new Rng(7));
      assertThat(store.all()).hasSize(1);
      NDArray w = store.get("layers.3.moe.router.weight");
      assertThat(w.getShape()).isEqualTo(new Shape(64, 8));
      assertThat(host(w)[0]).isCloseTo(new Rng(7).normal(1, 0.02)[0], within(1e-9));
      double std = Math.sqrt(w.square().mean().getFloat());
      assertThat(std).isCloseTo(0.02, within(0.003));
      assertThat(new TopKRouter(c).slots()).isEqualTo(8);
    }
  }

  /** A store holding the router of {@code c} (d = 4) with W = ln P. */
  static ParameterStore store(RouterConfig c) {
    return RouterFixtures.storeWithProbabilities(new TopKRouter(c), P);
  }

  static NDArray eye(NDManager m) {
    return m.eye(4).toType(DataType.FLOAT32, false);
  }

  static boolean[] all(int n) {
    boolean[] a = new boolean[n];
    java.util.Arrays.fill(a, true);
    return a;
  }

  static double[] host(NDArray a) {
    return a.stopGradient().toType(DataType.FLOAT64, false).toDoubleArray();
  }

  /** Row-major concatenation of equal-length rows. */
  static double[] rows(double[]... rows) {
    double[] out = new double[rows.length * rows[0].length];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, out, i * rows[0].length, rows[0].length);
    }
    return out;
  }

  static double scalar(NDArray a) {
    return host(a)[0];
  }
}
