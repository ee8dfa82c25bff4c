package io.moestream.moe.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Row selection with a deterministic backward pass.
 *
 * <p>Why not {@code x.get(indexArray)}: libtorch's backward of advanced indexing is {@code
 * index_put_(accumulate=true)}, which on CPU runs in parallel with atomic adds once a tensor is
 * large enough, so rows selected more than once (a token routed to several experts, a byte that
 * occurs many times in a batch) sum their gradients in a varying order and training stops being
 * reproducible from its seed. {@code gather} along axis 0 back-propagates with {@code scatter_add},
 * which adds each output element's contributions in index order.
 *
 * <p>The index is a stride-0 broadcast of one column, not a copy per column: on the CPU libtorch
 * then takes its expanded-index kernels, whose backward sorts the rows stably and still adds each
 * row's contributions in index order (same results, bit for bit, as the copied index gave). On a
 * GPU {@code scatter_add} adds atomically in either form.
 */
public final class Rows {
  private Rows() {}

  /**
   * @param src (R, d) rows to choose from
   * @param index row numbers, repeats allowed
   * @return (n, d) with row i = src[index[i]]
   */
  public static NDArray select(NDArray src, long[] index) {
    long d = src.getShape().get(1);
    int n = index.length;
    // (n, d) as a stride-0 view of (n, 1): no copy of the index per column
    NDArray idx = src.getManager().create(index, new Shape(n, 1)).broadcast(new Shape(n, d));
    return src.gather(idx, 0);
  }
}
