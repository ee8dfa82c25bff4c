package io.moestream.moe.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.moestream.moe.router.SelectedExperts;
import io.moestream.moe.tensor.Rows;

/**
 * Runs each expert on the tokens routed to it, and only those: a gather of the routed rows, one
 * dense call per expert, and a gather back per token. There is never a dense tokens × experts ×
 * capacity dispatch tensor; memory and FLOPs scale with the number of (token, expert) pairs.
 *
 * <pre>
 * y_t = Σ_{e : selected(t,e)} w[t,e] · expert_e(x_t)
 * </pre>
 */
public final class RoutedExperts {
  private RoutedExperts() {}

  /**
   * One expert's function on the rows routed to it: (n, d) → (n, d_out). {@code rows} is one of the
   * views a split of all routed rows returns: read it, never modify it in place (autograd refuses
   * in-place changes to a split's outputs).
   */
  @FunctionalInterface
  public interface ExpertFn {
    NDArray apply(int expert, NDArray rows);
  }

  /**
   * @param x (T, d) tokens
   * @param weights (T, E) combine weights (differentiable)
   * @param selected host copy of the (T, E) 0/1 selections, row-major
   * @param outDim width of each expert's output
   * @return (T, outDim) combined output; zero rows for tokens no expert took (all zeros, still
   *     differentiable in {@code weights}, when no token took any expert)
   */
  public static NDArray combine(
      NDArray x, NDArray weights, float[] selected, int outDim, ExpertFn expert) {
    int t = (int) x.getShape().get(0);
    int e = (int) weights.getShape().get(1);
    return combine(x, weights, SelectedExperts.scan(selected, t, e), outDim, expert);
  }

  /**
   * As {@link #combine(NDArray, NDArray, float[], int, ExpertFn)}, on selections already scanned.
   */
  public static NDArray combine(
      NDArray x, NDArray weights, SelectedExperts selected, int outDim, ExpertFn expert) {
    NDManager m = x.getManager();
    int t = selected.tokens();
    int e = selected.slots();
    int total = selected.pairs();
    if (total == 0) {
      // Zeros that stay on the autograd graph: (T, 0) × (0, out). A plain zeros tensor would cut
      // the task loss off from the gate, and a loss with no grad_fn makes backward throw ("element
      // 0 of tensors does not require grad"); the gate's task-loss gradient is exactly zero.
      NDArray noWeights = weights.get(new NDIndex(":, 0:0")); // (T, 0)
      return noWeights.matMul(m.zeros(new Shape(0, outDim), weights.getDataType()));
    }
    // Rows ordered by expert: rows[start_e .. start_e + n_e) are expert e's tokens.
    int[] start = new int[e + 1];
    for (int j = 0; j < e; j++) {
      start[j + 1] = start[j] + selected.tokensOf(j);
    }
    long[] tokenOfRow = new long[total];
    long[] flatWeight = new long[total];
    int kMax = 0;
    for (int i = 0; i < t; i++) {
      kMax = Math.max(kMax, selected.expertsOf(i));
    }
    long[] rowOfToken = new long[t * kMax];
    java.util.Arrays.fill(rowOfToken, total); // index `total` is the appended zero row
    int[] fill = start.clone();
    int[] used = new int[t];
    for (int j = 0; j < e; j++) {
      for (int i = 0; i < t; i++) {
        if (selected.isSelected(i, j)) {
          int r = fill[j]++;
          tokenOfRow[r] = i;
          flatWeight[r] = (long) i * e + j;
          rowOfToken[i * kMax + used[i]++] = r;
        }
      }
    }
    NDArray rows = Rows.select(x, tokenOfRow); // (N, d)
    // One split into every expert's rows, not a slice each: a slice's backward writes its gradient
    // into a zero tensor of all N rows (one zero fill and one add of N × d per expert), a split's
    // concatenates the experts' gradients once.
    long[] cuts = new long[e - 1]; // where each expert's rows end, the last one's excepted
    for (int j = 0; j + 1 < e; j++) {
      cuts[j] = start[j + 1];
    }
    NDList mine = rows.split(cuts, 0); // e × (n_e, d)
    NDList outs = new NDList();
    for (int j = 0; j < e; j++) {
      if (selected.tokensOf(j) > 0) {
        outs.add(expert.apply(j, mine.get(j))); // (n_e, outDim)
      }
    }
    NDArray out = outs.size() == 1 ? outs.get(0) : NDArrays.concat(outs, 0); // (N, outDim)
    NDArray w = weights.reshape(-1).take(m.create(flatWeight)); // (N,)
    out = out.mul(w.expandDims(1).toType(out.getDataType(), false));
    NDArray padded = out.concat(m.zeros(new Shape(1, outDim), out.getDataType()), 0); // (N+1, out)
    NDArray picked = Rows.select(padded, rowOfToken).reshape(t, kMax, outDim); // (T, kMax, out)
    return kMax == 1 ? picked.squeeze(1) : picked.sum(new int[] {1});
  }

  /** Host copy of a 0/1 selection tensor. */
  public static float[] host(NDArray selected) {
    return io.moestream.moe.tensor.DeviceReads.floats(selected);
  }
}
