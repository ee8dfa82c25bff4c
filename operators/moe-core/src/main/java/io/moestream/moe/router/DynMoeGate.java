package io.moestream.moe.router;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import io.moestream.moe.tensor.Scalars;

/**
 * DynMoE's top-any gate (DESIGN §2.1), as a pure function on tensors of any float dtype.
 *
 * <pre>
 * s   = sigmoid( normalize(x) · normalize_columns(W_g) ) * mask     (S, E)
 * thr = sigmoid(G)                                                  (E,)
 * g   = sign(relu(s - thr))   straight-through: d g / d relu(.) = 1  (S, E)
 * k   = Σ_e g                                                       (S,)
 * w   = g / max(k, 1)         k is not differentiated                (S, E)
 * </pre>
 *
 * In inference a token with k = 0 takes the single active expert with the highest s (none when no
 * slot is active).
 */
public final class DynMoeGate {
  private DynMoeGate() {}

  /**
   * @param scores (S, E) masked sigmoid cosine scores
   * @param gate (S, E) 0/1 selections (straight-through in training)
   * @param k (S,) experts per token (no gradient)
   * @param weights (S, E) combine weights g / max(k, 1)
   */
  public record Result(NDArray scores, NDArray gate, NDArray k, NDArray weights) {}

  /**
   * @param x (S, d) tokens
   * @param sim (d, E) gate representations, column e is expert e
   * @param thresholds (E,) raw thresholds G
   * @param mask (E,) 1 for active slots, 0 otherwise
   */
  public static Result forward(
      NDArray x, NDArray sim, NDArray thresholds, NDArray mask, boolean training) {
    NDArray xn = normalizeRows(x); // (S, d)
    NDArray wn = normalizeColumns(sim); // (d, E)
    NDArray scores = Activation.sigmoid(xn.matMul(wn)).mul(mask); // (S, E)
    NDArray thr = Activation.sigmoid(thresholds); // (E,)
    NDArray soft = Activation.relu(scores.sub(thr)); // (S, E)
    NDArray gate;
    if (training) {
      NDArray hard = soft.sign();
      gate = hard.sub(soft).stopGradient().add(soft); // value sign(.), gradient identity
    } else {
      gate = soft.sign().stopGradient();
      NDArray none = gate.sum(new int[] {1}, true).eq(0).toType(x.getDataType(), false); // (S,1)
      NDArray top1 =
          scores.argMax(1).oneHot((int) sim.getShape().get(1)).toType(x.getDataType(), false);
      // fallback: best active expert, weight 1; none when every slot is masked (argMax of all-zero
      // scores would otherwise pick the masked slot 0)
      gate = gate.add(top1.mul(none).mul(mask));
    }
    NDArray k = gate.sum(new int[] {1}).stopGradient(); // (S,)
    NDArray weights = gate.div(k.maximum(Scalars.like(k, 1)).expandDims(1)); // (S, E)
    return new Result(scores, gate, k, weights);
  }

  /** x / max(||x||, 1e-12) per row, as {@code F.normalize(x, dim=1)}. */
  static NDArray normalizeRows(NDArray x) {
    NDArray n = x.norm(new int[] {1}, true);
    return x.div(n.maximum(Scalars.like(n, 1e-12)));
  }

  /** w / max(||w||, 1e-12) per column, as {@code F.normalize(w, dim=0)}. */
  static NDArray normalizeColumns(NDArray w) {
    NDArray n = w.norm(new int[] {0}, true);
    return w.div(n.maximum(Scalars.like(n, 1e-12)));
  }
}
