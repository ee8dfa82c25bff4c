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
 *
 * <p>Two training options ({@link TrainingGate}, issue 16; both off is the design's gate, op for
 * op):
 *
 * <pre>
 * fallback:        f   = onehot(argmax_e s) ⊙ mask ⊙ [k = 0]   (S, E) no gradient
 *                  w   = (g + f ⊙ (1 + s − sg(s))) / max(k + Σ_e f, 1)
 *                  value 1 for the fallback expert; its gradient reaches the score s (as if the
 *                  expert had fired), not the threshold — the budget controller owns the threshold
 * straight-through k: k = Σ_e g keeps g's straight-through gradient, and the divisor is
 *                  k + sg(max(k, 1) − k) (value max(k, 1), derivative 1: no tie at k = 1)
 * </pre>
 *
 * With the fallback, {@link Result#gate} and {@link Result#k} stay the top-any decisions (the aux
 * loss and the spawn evidence read them), {@link Result#fallback} holds f, and {@link
 * Result#weights} combine both.
 */
public final class DynMoeGate {
  private DynMoeGate() {}

  /**
   * @param scores (S, E) masked sigmoid cosine scores
   * @param gate (S, E) 0/1 selections (straight-through in training)
   * @param k (S,) experts per token (no gradient)
   * @param weights (S, E) combine weights g / max(k, 1)
   */
  public record Result(NDArray scores, NDArray gate, NDArray k, NDArray weights, NDArray fallback) {
    public Result(NDArray scores, NDArray gate, NDArray k, NDArray weights) {
      this(scores, gate, k, weights, null);
    }

    /** (S, E) 0/1 experts that run: the gate's selections plus any training fallback. */
    public NDArray selected() {
      NDArray g = gate.stopGradient();
      return fallback == null ? g : g.add(fallback);
    }
  }

  /**
   * The training-only gate options.
   *
   * @param fallback a token whose gate activates nothing runs its best-scoring active expert
   * @param straightThrough k keeps its straight-through gradient instead of being detached
   */
  public record TrainingGate(boolean fallback, boolean straightThrough) {
    /** DynMoE's training gate: k = 0 allowed, k detached. */
    public static final TrainingGate DYNMOE = new TrainingGate(false, false);
  }

  /** {@link #forward(NDArray, NDArray, NDArray, NDArray, boolean, TrainingGate)} as DynMoE. */
  public static Result forward(
      NDArray x, NDArray sim, NDArray thresholds, NDArray mask, boolean training) {
    return forward(x, sim, thresholds, mask, training, TrainingGate.DYNMOE);
  }

  /**
   * @param x (S, d) tokens
   * @param sim (d, E) gate representations, column e is expert e
   * @param thresholds (E,) raw thresholds G
   * @param mask (E,) 1 for active slots, 0 otherwise
   * @param options the training gate's options (ignored in inference)
   */
  public static Result forward(
      NDArray x,
      NDArray sim,
      NDArray thresholds,
      NDArray mask,
      boolean training,
      TrainingGate options) {
    NDArray xn = normalizeRows(x); // (S, d)
    NDArray wn = normalizeColumns(sim); // (d, E)
    NDArray scores = Activation.sigmoid(xn.matMul(wn)).mul(mask); // (S, E)
    NDArray thr = Activation.sigmoid(thresholds); // (E,)
    NDArray soft = Activation.relu(scores.sub(thr)); // (S, E)
    NDArray gate;
    if (training) {
      NDArray hard = soft.sign();
      gate = hard.sub(soft).stopGradient().add(soft); // value sign(.), gradient identity
      if (!options.equals(TrainingGate.DYNMOE)) {
        return trainingWithOptions(scores, gate, mask, options);
      }
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

  /** The training gate's k and weights under {@code options} (see the class comment). */
  private static Result trainingWithOptions(
      NDArray scores, NDArray gate, NDArray mask, TrainingGate options) {
    NDArray k = gate.sum(new int[] {1}); // (S,)
    if (!options.straightThrough()) {
      k = k.stopGradient();
    }
    NDArray fallback = null;
    NDArray picked = gate;
    NDArray runs = k; // experts that run per token, (S,)
    if (options.fallback()) {
      int e = (int) scores.getShape().get(1);
      NDArray none = k.stopGradient().eq(0).toType(scores.getDataType(), false).expandDims(1);
      NDArray top1 = scores.argMax(1).oneHot(e).toType(scores.getDataType(), false); // (S, E)
      fallback = top1.mul(mask).mul(none).stopGradient(); // (S, E); none when nothing is active
      NDArray scoreGrad = scores.sub(scores.stopGradient()).add(Scalars.like(scores, 1)); // 1
      picked = gate.add(fallback.mul(scoreGrad));
      runs = k.add(fallback.sum(new int[] {1}));
    }
    NDArray divisor =
        options.straightThrough()
            ? runs.add(runs.maximum(Scalars.like(runs, 1)).sub(runs).stopGradient())
            : runs.maximum(Scalars.like(runs, 1));
    NDArray weights = picked.div(divisor.expandDims(1)); // (S, E)
    return new Result(scores, gate, k, weights, fallback);
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
