package io.moestream.moe.router;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.moestream.moe.config.AuxVariant;
import io.moestream.moe.tensor.DeviceReads;
import io.moestream.moe.tensor.Rows;
import io.moestream.moe.tensor.Scalars;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * DynMoE's auxiliary loss (DESIGN §2.1), matching the official implementation's gradients:
 *
 * <pre>
 * diversity  = || (Ŵᵀ Ŵ − I) ⊙ (m mᵀ) ||_F          Ŵ: cosine-normalised columns
 * simplicity = mean over all E columns of ||w_e||₂
 * deepspeed adds, over the tokens with k > 0:
 *   me = mean(g / Σ_e g)   (differentiable, numerator and denominator)
 *   ce = mean(g)           (counts: no gradient)
 *   load_balance = mean(me · ce) · E²
 *   efficiency   = mean(g) over all tokens (differentiable)
 * gshard adds E · Σ_e f_e P_e with f_e the (detached) share of selections, P_e the mean of the
 *   per-token normalised scores s / Σ s.
 * </pre>
 */
public final class DynMoeAux {
  private DynMoeAux() {}

  /**
   * @param gate the gate's result for the batch
   * @param sim (d, E) gate representations
   * @param mask (E,) active slots
   * @return named parts in a fixed order; their sum is the aux loss
   */
  public static Map<String, NDArray> parts(
      AuxVariant variant, DynMoeGate.Result gate, NDArray sim, NDArray mask) {
    return parts(variant, gate, sim, mask, null);
  }

  /**
   * As {@link #parts(AuxVariant, DynMoeGate.Result, NDArray, NDArray)}, with the tokens whose k > 0
   * already known on the host ({@link SelectedExperts#routedTokens()} of the gate's selections);
   * null reads them from {@code gate.k()}.
   */
  public static Map<String, NDArray> parts(
      AuxVariant variant, DynMoeGate.Result gate, NDArray sim, NDArray mask, long[] routedRows) {
    NDManager m = gate.gate().getManager();
    int e = (int) sim.getShape().get(1);
    Map<String, NDArray> parts = new LinkedHashMap<>();

    NDArray wn = DynMoeGate.normalizeColumns(sim); // (d, E)
    NDArray cos = wn.transpose().matMul(wn); // (E, E)
    NDArray eye = m.eye(e).toType(sim.getDataType(), false);
    NDArray pair = mask.reshape(e, 1).mul(mask.reshape(1, e)); // (E, E)
    parts.put("sim_loss", cos.sub(eye).mul(pair).norm());
    parts.put("simple_loss", sim.norm(new int[] {0}).mean());

    if (variant == AuxVariant.DEEPSPEED) {
      NDArray g = gate.gate(); // (S, E)
      long[] routed = routedRows != null ? routedRows : routedRows(gate.k());
      if (routed.length > 0) {
        NDArray gs = Rows.select(g, routed); // (n, E)
        NDArray me = gs.div(gs.sum(new int[] {1}, true)).mean(new int[] {0}); // (E,)
        NDArray ce = gs.stopGradient().mean(new int[] {0}); // (E,)
        NDArray lb = me.mul(ce).mean();
        parts.put("load_balance_loss", lb.mul(Scalars.like(lb, (double) e * e)));
      } else {
        parts.put("load_balance_loss", m.create(0.0).toType(sim.getDataType(), false));
      }
      parts.put("efficiency_loss", g.mean());
    } else if (variant == AuxVariant.GSHARD) {
      NDArray s = gate.scores(); // (S, E)
      NDArray rowSum = s.sum(new int[] {1}, true);
      NDArray p = s.div(rowSum.maximum(Scalars.like(rowSum, 1e-12))).mean(new int[] {0});
      NDArray sel = gate.gate().stopGradient();
      NDArray total = sel.sum();
      NDArray f = sel.sum(new int[] {0}).div(total.maximum(Scalars.like(total, 1)));
      NDArray fp = f.mul(p).sum();
      parts.put("load_balance_loss", fp.mul(Scalars.like(fp, e)));
    }
    return parts;
  }

  /** Sum of the parts. */
  public static NDArray total(Map<String, NDArray> parts) {
    NDArray sum = null;
    for (NDArray v : parts.values()) {
      sum = sum == null ? v : sum.add(v);
    }
    return sum;
  }

  /** Indices of tokens with k > 0 (host side; k carries no gradient). */
  static long[] routedRows(NDArray k) {
    float[] kk = DeviceReads.floats(k);
    int n = 0;
    for (float v : kk) {
      if (v > 0) {
        n++;
      }
    }
    long[] out = new long[n];
    int j = 0;
    for (int i = 0; i < kk.length; i++) {
      if (kk[i] > 0) {
        out[j++] = i;
      }
    }
    return out;
  }
}
