package io.moestream.moe.train;

/**
 * {@link AdamWStep}'s formula over float arrays, element by element in float32: what {@link
 * HostUpdates} runs on chunks of the tensors' memory. Plain counted loops over arrays, which the
 * JIT compiles to vector instructions (division and square root included: both are exactly rounded,
 * so vector and scalar code agree bit for bit).
 */
final class AdamWMath {
  private AdamWMath() {}

  /**
   * Updates elements [0, n) of {@code theta}, {@code mean} and {@code var} in place from {@code
   * grad} (which is only read).
   *
   * @param decay whether weight decay applies to these elements
   */
  static void update(
      float[] grad,
      float[] mean,
      float[] var,
      float[] theta,
      int n,
      boolean decay,
      AdamWStep.Floats c) {
    float keep = decay ? c.decayFactor() : 1f;
    for (int i = 0; i < n; i++) {
      float g = grad[i] * c.gradScale();
      float m = mean[i] + (g - mean[i]) * c.meanRate();
      float v = var[i] + (g * g - var[i]) * c.varRate();
      mean[i] = m;
      var[i] = v;
      float denom = (float) Math.sqrt(v / c.varCorrection()) + c.eps();
      float step = m / c.meanCorrection() / denom * c.lr();
      theta[i] = theta[i] * keep - step; // × 1 is exact: an undecayed weight loses the step alone
    }
  }

  /**
   * Σ x² over elements [0, n), in double, summed in four interleaved partial sums (fixed order: the
   * same numbers always give the same sum).
   */
  static double sumOfSquares(float[] x, int n) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int i = 0;
    for (; i + 3 < n; i += 4) {
      s0 += (double) x[i] * x[i];
      s1 += (double) x[i + 1] * x[i + 1];
      s2 += (double) x[i + 2] * x[i + 2];
      s3 += (double) x[i + 3] * x[i + 3];
    }
    for (; i < n; i++) {
      s0 += (double) x[i] * x[i];
    }
    return (s0 + s1) + (s2 + s3);
  }
}
