package io.moestream.moe.train;

import ai.djl.ndarray.NDArray;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.SpawnPolicy;
import io.moestream.moe.model.ModelInit;
import io.moestream.moe.router.DynMoeRouter;
import io.moestream.moe.tensor.DeviceReads;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Rng;

/**
 * Initialises a spawned expert's FFN (DESIGN §2.1): {@code copy-nearest} copies the active expert
 * whose gate column is most similar (cosine) to the spawn direction R_S/||R_S|| — the tokens that
 * no expert claimed resemble that expert's tokens most, so it is the best warm start; {@code
 * random} draws fresh weights. {@code evolve} (EvoMoE-style) takes the layer's most-used active
 * expert in the finished window (highest R_E, ties to the lower slot) and blends it into the slot:
 *
 * <pre>
 * θ_slot ← β θ_src + (1 − β) θ_slot     β ~ U[first EvoMoE β range], default [0.9, 0.99]
 * </pre>
 *
 * so the new expert is an evolved copy of the most-used one, kept apart from it by the slot's own
 * earlier weights (its initial draw, or a pruned expert's retained weights). With no other active
 * expert, copy-nearest and evolve fall back to random.
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
      long[] activations,
      Rng rng) {
    int from =
        switch (policy) {
          case COPY_NEAREST -> nearest(p, layer, slot, direction, active);
          case EVOLVE -> mostUsed(slot, active, activations);
          case RANDOM -> -1;
        };
    if (from < 0) {
      ModelInit.reinitExpert(c, p, layer, slot, rng);
      return -1;
    }
    if (policy == SpawnPolicy.EVOLVE) {
      double[] range = c.router().evo().betaRange(1);
      double beta = range[0] + (range[1] - range[0]) * rng.nextDouble();
      ExpertEvolution.blend(p, layer, slot, from, 1 - beta); // θ_slot ← β θ_src + (1−β) θ_slot
    } else {
      ExpertEvolution.replicate(p, layer, slot, from);
    }
    return from;
  }

  /** The active slot (not {@code slot}) with the most activations; -1 when there is none. */
  static int mostUsed(int slot, boolean[] active, long[] activations) {
    int best = -1;
    for (int s = 0; s < active.length; s++) {
      if (active[s] && s != slot && (best < 0 || activations[s] > activations[best])) {
        best = s;
      }
    }
    return best;
  }

  private static int nearest(
      ParameterStore p, int layer, int slot, double[] dir, boolean[] active) {
    NDArray sim = p.get(DynMoeRouter.simName(layer)); // (d, E)
    int e = (int) sim.getShape().get(1);
    double[] w = DeviceReads.doubles(sim);
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
