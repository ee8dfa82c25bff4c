package io.moestream.moe.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import io.moestream.moe.router.SelectedExperts;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Precision;
import io.moestream.moe.tensor.Rows;
import java.util.Arrays;

/**
 * The same function as {@link RoutedExperts} with {@link Layers#expertMlp} experts, computed with a
 * constant number of libtorch calls per layer instead of two matmuls per active expert:
 *
 * <pre>
 * X  = gather(x, padded rows)                (G, n_max, d)   G = experts that took a token
 * W1 = stack(w1_e), b1 = stack(b1_e)          (G, d, f), (G, 1, f)
 * H  = gelu(X · W1 + b1)                      (G, n_max, f)   one batched matmul
 * Y  = H · W2 + b2                            (G, n_max, d)   one batched matmul
 * y_t = Σ_{e : selected(t,e)} w[t,e] · Y[e, row(t,e)]
 * </pre>
 *
 * Padded, not segmented: libtorch's batched matmul needs equal group sizes, and a segmented
 * (grouped-GEMM) kernel is not reachable through DJL's API. Padding rows are the appended zero row
 * of {@code x}; no token reads their outputs, so they receive exactly zero gradient, and neither
 * does any weight through them. The stacks are taken inside the recorded forward, so each expert's
 * own {@code w1, b1, w2, b2} receive their gradients exactly as in the per-expert path; slots that
 * took no token (inactive, free or just unrouted) are not stacked, not computed, get no gradient.
 */
public final class GroupedExperts {
  private GroupedExperts() {}

  /**
   * @param x (T, d) tokens
   * @param weights (T, E) combine weights (differentiable)
   * @param selected the routing's selections, scanned
   * @param p the parameters, with {@code <prefix>w1, b1, w2, b2} per expert
   * @param layer the layer, for {@link ModelInit#expertPrefix}
   * @return (T, d) combined output, zero rows for tokens no expert took
   */
  public static NDArray combine(
      NDArray x, NDArray weights, SelectedExperts selected, ParameterStore p, int layer) {
    return combine(Precision.FP32, x, weights, selected, p, layer);
  }

  /**
   * {@link #combine(NDArray, NDArray, SelectedExperts, ParameterStore, int)} in {@code precision}.
   */
  public static NDArray combine(
      Precision precision,
      NDArray x,
      NDArray weights,
      SelectedExperts selected,
      ParameterStore p,
      int layer) {
    int e = selected.slots();
    int groups = 0;
    int nMax = 0;
    for (int j = 0; j < e; j++) {
      if (selected.tokensOf(j) > 0) {
        groups++;
        nMax = Math.max(nMax, selected.tokensOf(j));
      }
    }
    if (groups <= 1) {
      // One expert (or none): nothing to group; the per-expert path is the same single matmul pair.
      return RoutedExperts.combine(
          x,
          weights,
          selected,
          (int) x.getShape().get(1),
          (j, rows) -> Layers.expertMlp(p, ModelInit.expertPrefix(layer, j), rows, precision));
    }
    return padded(precision, x, weights, selected, p, layer, groups, nMax);
  }

  private static NDArray padded(
      Precision precision,
      NDArray x,
      NDArray weights,
      SelectedExperts selected,
      ParameterStore p,
      int layer,
      int groups,
      int nMax) {
    NDManager m = x.getManager();
    int t = selected.tokens();
    int e = selected.slots();
    int d = (int) x.getShape().get(1);
    int kMax = 0;
    for (int i = 0; i < t; i++) {
      kMax = Math.max(kMax, selected.expertsOf(i));
    }
    int slots = groups * nMax; // padded rows: group g owns [g·n_max, (g+1)·n_max)
    long[] tokenOfRow = new long[slots];
    Arrays.fill(tokenOfRow, t); // row t of xPad is the zero padding row
    long[] flatWeight = new long[slots]; // padding rows weigh by w[0, 0]: no token reads them
    long[] rowOfToken = new long[t * kMax];
    Arrays.fill(rowOfToken, slots); // index `slots` of the output is the appended zero row
    int[] used = new int[t];
    NDList w1 = new NDList();
    NDList b1 = new NDList();
    NDList w2 = new NDList();
    NDList b2 = new NDList();
    int g = 0;
    for (int j = 0; j < e; j++) {
      if (selected.tokensOf(j) == 0) {
        continue;
      }
      int r = g * nMax;
      for (int i = 0; i < t; i++) {
        if (selected.isSelected(i, j)) {
          tokenOfRow[r] = i;
          flatWeight[r] = (long) i * e + j;
          rowOfToken[i * kMax + used[i]++] = r;
          r++;
        }
      }
      String prefix = ModelInit.expertPrefix(layer, j);
      w1.add(p.get(prefix + "w1"));
      b1.add(p.get(prefix + "b1"));
      w2.add(p.get(prefix + "w2"));
      b2.add(p.get(prefix + "b2"));
      g++;
    }
    NDArray xPad = x.concat(m.zeros(new Shape(1, d), x.getDataType()), 0); // (T+1, d)
    NDArray rows = Rows.select(xPad, tokenOfRow).reshape(groups, nMax, d); // (G, n_max, d)
    NDArray h =
        Activation.gelu(
            precision
                .batchMatMul(rows, NDArrays.stack(w1, 0))
                .add(NDArrays.stack(b1, 0).expandDims(1)));
    NDArray y =
        precision
            .batchMatMul(h, NDArrays.stack(w2, 0))
            .add(NDArrays.stack(b2, 0).expandDims(1))
            .reshape(slots, d); // (G·n_max, d)
    NDArray w = weights.reshape(-1).take(m.create(flatWeight)); // (G·n_max,)
    y = y.mul(w.expandDims(1).toType(y.getDataType(), false));
    NDArray padded = y.concat(m.zeros(new Shape(1, d), y.getDataType()), 0); // (G·n_max+1, d)
    NDArray picked = Rows.select(padded, rowOfToken).reshape(t, kMax, d); // (T, kMax, d)
    return kMax == 1 ? picked.squeeze(1) : picked.sum(new int[] {1});
  }

  /**
   * The (T, d) output of the layer's experts under {@code dispatch}, matmuls in {@code precision}.
   */
  static NDArray combine(
      ExpertDispatch dispatch,
      Precision precision,
      NDArray x,
      NDArray weights,
      SelectedExperts selected,
      ParameterStore p,
      int layer) {
    if (dispatch == ExpertDispatch.GROUPED) {
      return combine(precision, x, weights, selected, p, layer);
    }
    return RoutedExperts.combine(
        x,
        weights,
        selected,
        (int) x.getShape().get(1),
        (j, rows) -> Layers.expertMlp(p, ModelInit.expertPrefix(layer, j), rows, precision));
  }
}
