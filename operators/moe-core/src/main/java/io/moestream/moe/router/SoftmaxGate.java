package io.moestream.moe.router;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.moestream.moe.tensor.DeviceReads;
import io.moestream.moe.tensor.HostFloats;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Rng;
import io.moestream.moe.tensor.Scalars;
import java.util.Map;

/**
 * What the softmax routers (top-k, top-p, AdaMoE) share: one linear router {@code W} (d, C) with C
 * routed columns, its softmax, host-side ordering of the probabilities and the GShard/Switch
 * load-balancing term.
 *
 * <pre>
 * logits = x · W                    (T, C)
 * P      = softmax(logits)          (T, C)   over the allowed columns; disallowed columns get 0
 * f_i    = #selections of i / #selections        (C,)  no gradient, Σ f_i = 1
 * P̄_i    = mean_t P[t, i]                        (C,)  differentiable
 * </pre>
 */
public final class SoftmaxGate {
  private SoftmaxGate() {}

  /** {@code layers.<l>.moe.router.weight}: the (d, C) router of every softmax router. */
  public static String weightName(int layer) {
    return "layers." + layer + ".moe.router.weight";
  }

  /** Registers the (d, cols) router, N(0, 0.02) from {@code rng}, row-major. */
  static void register(ParameterStore store, int layer, int dModel, int cols, Rng rng) {
    float[] w = rng.normal(dModel * cols, 0.02);
    store.add(weightName(layer), w, new Shape(dModel, cols), layer, -1, false, true);
  }

  /**
   * The router's distribution for a batch.
   *
   * @param probs (T, C) softmax probabilities, exactly 0 in disallowed columns
   * @param allowedLogits (T, A) logits of the A allowed columns only (for the entropy)
   */
  record Probs(NDArray probs, NDArray allowedLogits) {

    /** () mean over tokens of −Σ_e P log P, with log P from log-softmax (no log 0). */
    NDArray entropy() {
      NDArray logP = allowedLogits.logSoftmax(1);
      return logP.exp().mul(logP).sum(new int[] {1}).mean().neg();
    }
  }

  /**
   * @param x (T, d) tokens; every result is in x's dtype and manager
   * @param w (d, C) router weight (cast to x's dtype, differentiably, when they differ)
   * @param allowed (C,) columns that may be routed to
   */
  static Probs probs(NDArray x, NDArray w, boolean[] allowed) {
    NDArray wx = w.getDataType() == x.getDataType() ? w : w.toType(x.getDataType(), false);
    NDArray logits = x.matMul(wx); // (T, C)
    int cols = allowed.length;
    int a = count(allowed);
    if (a == 0) {
      throw new IllegalArgumentException("no active expert to route to");
    }
    if (a == cols) {
      return new Probs(logits.softmax(1), logits);
    }
    // Softmax over the allowed columns only, then placed back: multiplying by a 0/1 placement
    // matrix is exact, and unlike a -inf mask it leaves no 0·log 0 in the entropy or its gradient.
    float[] place = new float[a * cols]; // (A, C)
    int r = 0;
    for (int c = 0; c < cols; c++) {
      if (allowed[c]) {
        place[r++ * cols + c] = 1f;
      }
    }
    NDArray placement = constant(x, place, new Shape(a, cols));
    NDArray sub = logits.matMul(placement.transpose()); // (T, A)
    return new Probs(sub.softmax(1).matMul(placement), sub);
  }

  /** Host copy (row-major, double) of a (T, C) tensor, detached. */
  static double[] host(NDArray probs) {
    return DeviceReads.doubles(probs.stopGradient());
  }

  /**
   * The allowed columns of row {@code t}, by descending probability; ties go to the lower index so
   * that routing is deterministic.
   */
  static int[] descending(double[] p, int t, int cols, boolean[] allowed) {
    int[] order = new int[count(allowed)];
    int n = 0;
    for (int c = 0; c < cols; c++) {
      if (!allowed[c]) {
        continue;
      }
      int j = n++;
      // Insertion sort: C is small (tens), and strict '<' keeps equal values in index order.
      while (j > 0 && p[t * cols + order[j - 1]] < p[t * cols + c]) {
        order[j] = order[j - 1];
        j--;
      }
      order[j] = c;
    }
    return order;
  }

  /** A constant (no gradient) tensor from host values, in x's dtype and manager. */
  static NDArray constant(NDArray x, float[] values, Shape shape) {
    NDManager m = x.getManager();
    return HostFloats.of(m, values, shape, x.getDataType()).stopGradient();
  }

  /** (C,) f_i = share of all selections that went to column i; Σ f = 1 (0 if nothing selected). */
  static NDArray fractions(NDArray selected) {
    NDArray total = selected.sum();
    return selected.sum(new int[] {0}).div(total.maximum(Scalars.like(total, 1))).stopGradient();
  }

  /** () {@code scale · Σ_i f_i · P̄_i} (Switch eq. 4 with scale = number of columns). */
  static NDArray loadBalance(NDArray f, NDArray pMean, int scale) {
    NDArray fp = f.mul(pMean).sum();
    return fp.mul(Scalars.like(fp, scale));
  }

  /** Sum of the named parts, in order. */
  static NDArray total(Map<String, NDArray> parts) {
    NDArray sum = null;
    for (NDArray v : parts.values()) {
      sum = sum == null ? v : sum.add(v);
    }
    return sum;
  }

  /**
   * {@code allowed} for E true columns from the active slots, plus {@code extra} always-on ones.
   */
  static boolean[] allowed(boolean[] active, int slots, int extra) {
    if (active.length != slots) {
      throw new IllegalArgumentException(
          "active has " + active.length + " slots, the router has " + slots);
    }
    boolean[] out = new boolean[slots + extra];
    System.arraycopy(active, 0, out, 0, slots);
    for (int i = slots; i < out.length; i++) {
      out[i] = true;
    }
    return out;
  }

  static int count(boolean[] flags) {
    int n = 0;
    for (boolean b : flags) {
      n += b ? 1 : 0;
    }
    return n;
  }
}
