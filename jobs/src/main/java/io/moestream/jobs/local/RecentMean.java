package io.moestream.jobs.local;

/**
 * Mean of the last {@code n} finite values. A prequential loss is noisy step to step; the recent
 * mean is what tells a reader whether the model is adapting after a drift, without the long memory
 * of a whole-run average hiding it.
 */
public final class RecentMean {
  private final double[] ring;
  private int size;
  private int next;
  private double sum;

  RecentMean(int n) {
    ring = new double[n];
  }

  /** Adds {@code v}; NaN and infinities (skipped steps) are ignored rather than poisoning it. */
  void add(double v) {
    if (!Double.isFinite(v)) {
      return;
    }
    if (size == ring.length) {
      sum -= ring[next];
    } else {
      size++;
    }
    ring[next] = v;
    sum += v;
    next = (next + 1) % ring.length;
  }

  /** The mean, NaN before any finite value. */
  double mean() {
    return size == 0 ? Double.NaN : sum / size;
  }
}
