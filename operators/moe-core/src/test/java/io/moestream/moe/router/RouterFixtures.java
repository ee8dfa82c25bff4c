package io.moestream.moe.router;

import ai.djl.ndarray.NDManager;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Rng;

/** Shared set-up of the softmax-router tests. */
final class RouterFixtures {
  private RouterFixtures() {}

  /**
   * A store holding {@code router}'s weight (d × C, d = rows of {@code p}) set to {@code ln p}:
   * with one-hot token t as input, the router's softmax gives exactly row t of {@code p}.
   */
  static ParameterStore storeWithProbabilities(Router router, double[][] p) {
    int d = p.length;
    int cols = p[0].length;
    ParameterStore store = new ParameterStore(NDManager.newBaseManager());
    router.register(store, 0, d, new Rng(1));
    float[] w = new float[d * cols];
    for (int t = 0; t < d; t++) {
      for (int e = 0; e < cols; e++) {
        w[t * cols + e] = (float) Math.log(p[t][e]);
      }
    }
    store.assign(SoftmaxGate.weightName(0), w);
    return store;
  }
}
