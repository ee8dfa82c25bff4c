package io.moestream.jobs.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Reference matmul speeds measured in the same process as the training benchmark, on the same
 * device and thread pool: the achieved model GFLOP/s only means something next to what a plain
 * float32 matmul reaches here, and the routed experts' many small matmuls next to one big matmul
 * doing the same work.
 */
final class MatmulBench {
  private static final int WARMUP = 2;
  private static final int TRIALS = 5;

  /**
   * @param expertGflops per-expert {@code rows·W1} and {@code h·W2} matmuls at the routed shapes
   * @param plainGflops the same FLOPs as one {@code (P, d)·W1} and one {@code (P, ff)·W2}
   * @param pairs routed (token, expert) pairs over all layers (P)
   * @param matmuls expert matmul pairs launched (non-empty experts over all layers)
   */
  record ExpertResult(double expertGflops, double plainGflops, long pairs, int matmuls) {}

  private MatmulBench() {}

  /**
   * Best-of-5 GFLOP/s, on {@code device}, of an {@code n × n · n × n} float32 matmul after warm-up.
   */
  static double sgemmGflops(Device device, int n) {
    try (NDManager m = NDManager.newBaseManager(device)) {
      NDArray a = m.randomNormal(new Shape(n, n));
      NDArray b = m.randomNormal(new Shape(n, n));
      double seconds = best(m, s -> List.of(a.matMul(b)));
      return 2.0 * n * n * n / seconds / 1e9;
    }
  }

  /**
   * Times the routed expert work of one batch on random data, on {@code device}.
   *
   * @param rowsPerExpert tokens each expert slot took, per layer ({@code [layer][slot]})
   */
  static ExpertResult experts(Device device, int d, int ff, long[][] rowsPerExpert) {
    try (NDManager m = NDManager.newBaseManager(device)) {
      List<NDArray[]> work = new ArrayList<>(); // {rows, w1, w2} per non-empty expert
      long pairs = 0;
      for (long[] layer : rowsPerExpert) {
        for (long rows : layer) {
          if (rows > 0) {
            work.add(
                new NDArray[] {
                  m.randomNormal(new Shape(rows, d)),
                  m.randomNormal(new Shape(d, ff)),
                  m.randomNormal(new Shape(ff, d))
                });
            pairs += rows;
          }
        }
      }
      if (pairs == 0) {
        return new ExpertResult(Double.NaN, Double.NaN, 0, 0);
      }
      double flops = 2.0 * 2.0 * pairs * d * ff;
      double routed =
          best(
              m,
              s -> {
                List<NDArray> outs = new ArrayList<>();
                for (NDArray[] w : work) {
                  outs.add(twoLayer(w[0], w[1], w[2]));
                }
                return outs;
              });
      NDArray x = m.randomNormal(new Shape(pairs, d));
      NDArray w1 = m.randomNormal(new Shape(d, ff));
      NDArray w2 = m.randomNormal(new Shape(ff, d));
      double plain = best(m, s -> List.of(twoLayer(x, w1, w2)));
      return new ExpertResult(flops / routed / 1e9, flops / plain / 1e9, pairs, work.size());
    }
  }

  /** {@code (x·w1)·w2}, freeing the hidden activation at once as the model's step manager would. */
  private static NDArray twoLayer(NDArray x, NDArray w1, NDArray w2) {
    NDArray h = x.matMul(w1);
    NDArray y = h.matMul(w2);
    h.close();
    return y;
  }

  /**
   * Best wall time of {@code op} in seconds. Reading one element of the last output waits for the
   * device, so asynchronous GPU kernels are timed to completion; every trial's outputs live in a
   * sub-manager closed after the clock stops.
   */
  private static double best(NDManager m, Function<NDManager, List<NDArray>> op) {
    double best = Double.MAX_VALUE;
    for (int i = 0; i < WARMUP + TRIALS; i++) {
      try (NDManager s = m.newSubManager()) {
        long t0 = System.nanoTime();
        List<NDArray> outs = op.apply(s);
        for (NDArray o : outs) {
          o.attach(s);
        }
        outs.get(outs.size() - 1).getFloat(0, 0);
        long t1 = System.nanoTime();
        if (i >= WARMUP) {
          best = Math.min(best, (t1 - t0) / 1e9);
        }
      }
    }
    return best;
  }
}
