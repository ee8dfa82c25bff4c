package io.moestream.moe.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.moestream.moe.config.EvoMoeConfig;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.tensor.Autograd;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Rng;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The Dynamic Token-aware Router's forward: shapes, top-1, per-modality hypernetworks. */
class DtrRouterTest {
  private static final int D = 8;
  private static final int E = 4;
  private static final int T = 6;
  private static final RouterConfig CONFIG =
      RouterConfig.evoMoe(E, EvoMoeConfig.paper(0, 0).withModalities(3));

  private static ParameterStore store() {
    ParameterStore store = new ParameterStore(NDManager.newBaseManager());
    new DtrRouter(CONFIG).register(store, 0, D, new Rng(9));
    return store;
  }

  private static NDArray tokens(NDManager m) {
    return m.create(new Rng(4).normal(T * D, 1.0), new Shape(T, D));
  }

  private static float[] host(NDArray a) {
    return a.toType(DataType.FLOAT32, false).toFloatArray();
  }

  private static boolean[] all() {
    boolean[] a = new boolean[E];
    Arrays.fill(a, true);
    return a;
  }

  @Test
  void routesEveryTokenToItsMostProbableExpertWithThatProbability() {
    try (ParameterStore store = store();
        NDManager m = store.manager().newSubManager();
        NDScope scope = new NDScope()) {
      DtrRouter router = new DtrRouter(CONFIG);
      Routing r = router.route(tokens(m), store, 0, all(), true, 0, new int[T]);

      assertThat(r.weights().getShape()).isEqualTo(new Shape(T, E));
      assertThat(r.selected().getShape()).isEqualTo(new Shape(T, E));
      float[] p = host(router.logits(tokens(m), store, 0, new int[T]).softmax(1));
      float[] s = host(r.selected());
      float[] w = host(r.weights());
      for (int t = 0; t < T; t++) {
        int best = 0;
        for (int e = 1; e < E; e++) {
          best = p[t * E + e] > p[t * E + best] ? e : best;
        }
        for (int e = 0; e < E; e++) {
          assertThat(s[t * E + e]).as("token %d expert %d", t, e).isEqualTo(e == best ? 1f : 0f);
          assertThat(w[t * E + e]).isCloseTo(e == best ? p[t * E + e] : 0f, within(1e-6f));
        }
      }
      // Load balance E · Σ f_i P̄_i, recomputed on the host; α = 0.001.
      double lb = 0;
      for (int e = 0; e < E; e++) {
        double f = 0;
        double pm = 0;
        for (int t = 0; t < T; t++) {
          f += s[t * E + e] / T;
          pm += p[t * E + e] / T;
        }
        lb += f * pm;
      }
      assertThat(r.aux().toType(DataType.FLOAT64, false).getDouble())
          .isCloseTo(E * lb, within(1e-5));
      assertThat(r.auxWeight()).isEqualTo(0.001);
    }
  }

  @Test
  void tokensOfDifferentModalitiesGetDifferentRouterWeights() {
    try (ParameterStore store = store();
        NDManager m = store.manager().newSubManager();
        NDScope scope = new NDScope()) {
      DtrRouter router = new DtrRouter(CONFIG);
      NDArray x = tokens(m);
      float[] text = host(router.logits(x, store, 0, new int[T]));
      int[] ones = new int[T];
      Arrays.fill(ones, 1);
      float[] code = host(router.logits(x, store, 0, ones));
      for (int t = 0; t < T; t++) {
        float[] a = Arrays.copyOfRange(text, t * E, t * E + E);
        float[] b = Arrays.copyOfRange(code, t * E, t * E + E);
        double diff = 0;
        for (int e = 0; e < E; e++) {
          diff = Math.max(diff, Math.abs(a[e] - b[e]));
        }
        assertThat(diff).as("token %d, modality 0 vs 1", t).isGreaterThan(1e-3);
      }
      // A mixed batch gives each token exactly what its own modality's hypernetwork gives.
      int[] mixed = {0, 1, 2, 1, 0, 2};
      float[] third = host(router.logits(x, store, 0, new int[] {2, 2, 2, 2, 2, 2}));
      float[] got = host(router.logits(x, store, 0, mixed));
      for (int t = 0; t < T; t++) {
        float[] want = mixed[t] == 0 ? text : mixed[t] == 1 ? code : third;
        for (int e = 0; e < E; e++) {
          assertThat(got[t * E + e]).isCloseTo(want[t * E + e], within(1e-5f));
        }
      }
    }
  }

  @Test
  void onlyTheTokensOwnHypernetworkAndTheRouterGetGradient() {
    try (ParameterStore store = store();
        NDManager m = store.manager().newSubManager();
        NDScope scope = new NDScope()) {
      DtrRouter router = new DtrRouter(CONFIG);
      NDArray x = tokens(m);
      int[] mod = {1, 1, 1, 1, 1, 1};
      NDArray loss =
          Autograd.recording(
              () -> {
                Routing r = router.route(x, store, 0, all(), true, 0, mod);
                return r.weights().sum().add(r.aux());
              });
      Autograd.backward(loss);
      String p = DtrRouter.prefix(0);
      for (String name :
          new String[] {"hyper.1.w1", "hyper.1.w2", "hyper.1.b2", "router.weight", "router.bias"}) {
        double g = store.get(p + name).getGradient().abs().sum().getFloat();
        assertThat(g).as(name).isGreaterThan(0);
      }
      assertThat(store.get(p + "hyper.0.w2").getGradient().abs().sum().getFloat()).isZero();
    }
  }

  @Test
  void aModalityWithoutAHypernetworkIsRefused() {
    try (ParameterStore store = store();
        NDManager m = store.manager().newSubManager();
        NDScope scope = new NDScope()) {
      int[] bad = {0, 0, 3, 0, 0, 0};
      assertThatThrownBy(
              () -> new DtrRouter(CONFIG).route(tokens(m), store, 0, all(), true, 0, bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("modality id 3");
    }
  }
}
