package io.moestream.moe.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.SpawnPolicy;
import io.moestream.moe.model.ModelInit;
import io.moestream.moe.router.DynMoeRouter;
import io.moestream.moe.tensor.Autograd;
import io.moestream.moe.tensor.HostFloats;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Rng;

/**
 * Initialises a spawned expert's FFN (DESIGN §2.1): {@code copy-nearest} copies the active expert
 * whose gate column is most similar (cosine) to the spawn direction R_S/||R_S|| — the tokens that
 * no expert claimed resemble that expert's tokens most, so it is the best warm start; {@code
 * random} draws fresh weights. With no other active expert, copy-nearest falls back to random.
 */
final class SpawnInitializer {
  private SpawnInitializer() {}

  /**
   * @return the slot copied from, or -1 for a random initialisation
   */
  static int initialise(
      SpawnPolicy policy,
      ModelConfig c,
      ParameterStore p,
      int layer,
      int slot,
      double[] direction,
      boolean[] active,
      Rng rng) {
    int from = policy == SpawnPolicy.COPY_NEAREST ? nearest(p, layer, slot, direction, active) : -1;
    if (from < 0) {
      ModelInit.reinitExpert(c, p, layer, slot, rng);
      return -1;
    }
    String src = ModelInit.expertPrefix(layer, from);
    String dst = ModelInit.expertPrefix(layer, slot);
    Autograd.noGrad(
        () -> {
          for (String t : new String[] {"w1", "b1", "w2", "b2"}) {
            HostFloats.copyInto(p.get(dst + t), p.get(src + t));
          }
        });
    return from;
  }

  private static int nearest(
      ParameterStore p, int layer, int slot, double[] dir, boolean[] active) {
    NDArray sim = p.get(DynMoeRouter.simName(layer)); // (d, E)
    int e = (int) sim.getShape().get(1);
    double[] w = sim.toType(DataType.FLOAT64, false).toDoubleArray();
    int best = -1;
    double bestCos = Double.NEGATIVE_INFINITY;
    for (int s = 0; s < e; s++) {
      if (!active[s] || s == slot) {
        continue;
      }
      double dot = 0;
      double norm = 0;
      for (int r = 0; r < dir.length; r++) {
        double v = w[r * e + s];
        dot += v * dir[r];
        norm += v * v;
      }
      double cos = dot / Math.max(Math.sqrt(norm), 1e-12);
      if (cos > bestCos) {
        bestCos = cos;
        best = s;
      }
    }
    return best;
  }
}
