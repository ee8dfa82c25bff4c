package io.moestream.moe.train;

import ai.djl.ndarray.NDArray;
import io.moestream.moe.config.EvoMoeConfig;
import io.moestream.moe.model.ModelInit;
import io.moestream.moe.tensor.Autograd;
import io.moestream.moe.tensor.HostFloats;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Rng;

/**
 * EvoMoE's expert evolution (evomoe.txt §3.2) on the expert slots of the parameter store. Every
 * update is in place, outside autograd, on every tensor of the expert (W1, b1, W2, b2):
 *
 * <pre>
 * blend:      θ_dst ← β · θ_dst + (1 − β) · θ_src          (element-wise, float32)
 * evolution:  θ_n   ← β_n θ_n + (1 − β_n) θ_0,  n = 1..E−1, β_n ~ U[low_n, high_n] per step
 * replicate:  θ_dst ← θ_src                                (bit-exact copy)
 * </pre>
 *
 * <p>Callers run it inside an {@code NDScope}: the temporary {@code (1 − β) θ_src} is created in
 * the parameter's manager and closed here.
 */
public final class ExpertEvolution {
  private ExpertEvolution() {}

  /**
   * θ_dst ← β θ_dst + (1 − β) θ_src for every tensor of expert slot {@code dst} of {@code layer}.
   */
  public static void blend(ParameterStore p, int layer, int dst, int src, double beta) {
    String to = ModelInit.expertPrefix(layer, dst);
    String from = ModelInit.expertPrefix(layer, src);
    Autograd.noGrad(
        () -> {
          for (String t : ModelInit.EXPERT_TENSORS) {
            NDArray target = p.get(to + t);
            try (NDArray pull = p.get(from + t).mul((float) (1 - beta))) {
              target.muli((float) beta).addi(pull);
            }
          }
        });
  }

  /** θ_dst ← θ_src, bit for bit. */
  public static void replicate(ParameterStore p, int layer, int dst, int src) {
    String to = ModelInit.expertPrefix(layer, dst);
    String from = ModelInit.expertPrefix(layer, src);
    Autograd.noGrad(
        () -> {
          for (String t : ModelInit.EXPERT_TENSORS) {
            HostFloats.copyInto(p.get(to + t), p.get(from + t)); // in place, see HostFloats
          }
        });
  }

  /**
   * This step's evolution values: {@code β[n]} for n = 1..experts−1 drawn uniformly from expert n's
   * range, in order n = 1, 2, ... ({@code β[0]} is unused, NaN). One draw per evolved expert per
   * step, shared by every layer.
   */
  public static double[] drawBetas(EvoMoeConfig c, int experts, Rng rng) {
    double[] beta = new double[experts];
    beta[0] = Double.NaN;
    for (int n = 1; n < experts; n++) {
      double[] range = c.betaRange(n);
      beta[n] = range[0] + (range[1] - range[0]) * rng.nextDouble();
    }
    return beta;
  }

  /** One evolution step of {@code layer}: θ_n ← β[n] θ_n + (1 − β[n]) θ_0 for n ≥ 1. */
  public static void evolve(ParameterStore p, int layer, double[] beta) {
    for (int n = 1; n < beta.length; n++) {
      blend(p, layer, n, 0, beta[n]);
    }
  }
}
