package io.moestream.moe.train;

/**
 * One AdamW update of tensors that share an age and a learning rate:
 *
 * <pre>
 * g ← g · gradScale                                   (global-norm clipping; 1 when none)
 * m ← m + (g − m)(1 − β₁);   v ← v + (g² − v)(1 − β₂)
 * θ ← θ · (1 − lr·λ) − ((m / (1 − β₁^age)) / (√(v / (1 − β₂^age)) + ε)) · lr     (decayed tensors)
 * θ ← θ − ((m / (1 − β₁^age)) / (√(v / (1 − β₂^age)) + ε)) · lr                  (the others)
 * </pre>
 *
 * evaluated left to right in float32, one rounding per operation. The float accessors are the
 * formula's constants rounded once from double, as libtorch rounds a double operand of a float32
 * tensor's operation, so {@link TorchUpdates} (libtorch, which takes the doubles) and {@link
 * HostUpdates} (Java, which takes the floats) apply the same operations to the same numbers.
 */
record AdamWStep(
    double beta1,
    double beta2,
    double eps,
    double weightDecay,
    double lr,
    long age,
    double gradScale) {

  /** 1 − β₁^age, the mean's bias correction. */
  double meanCorrection() {
    return 1 - Math.pow(beta1, age);
  }

  /** 1 − β₂^age, the second moment's bias correction. */
  double varCorrection() {
    return 1 - Math.pow(beta2, age);
  }

  /** 1 − lr·λ, what decoupled weight decay multiplies a decayed weight by. */
  double decayFactor() {
    return 1 - lr * weightDecay;
  }

  /** The same update with another learning rate (the thresholds learn at their own). */
  AdamWStep withLr(double rate) {
    return new AdamWStep(beta1, beta2, eps, weightDecay, rate, age, gradScale);
  }

  /** The same update at another age (each expert slot has its own). */
  AdamWStep withAge(long slotAge) {
    return new AdamWStep(beta1, beta2, eps, weightDecay, lr, slotAge, gradScale);
  }

  /** Per slot column: 1 when the slot is active, else 0 (a gate tensor's update mask). */
  static float[] columnMask(boolean[] active) {
    float[] v = new float[active.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = active[i] ? 1f : 0f;
    }
    return v;
  }

  /** Per slot column: 1 − β^age, age at least 1 (an inactive column's stays finite), in float32. */
  static float[] columnCorrections(double beta, long[] ages) {
    float[] v = new float[ages.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (1 - Math.pow(beta, Math.max(1, ages[i])));
    }
    return v;
  }

  /** The float32 constants of the formula, rounded once each. */
  Floats floats() {
    return new Floats(
        (float) gradScale,
        (float) (1 - beta1),
        (float) (1 - beta2),
        (float) meanCorrection(),
        (float) varCorrection(),
        (float) eps,
        (float) lr,
        (float) decayFactor());
  }

  /** The formula's float32 constants (see {@link AdamWStep}). */
  record Floats(
      float gradScale,
      float meanRate,
      float varRate,
      float meanCorrection,
      float varCorrection,
      float eps,
      float lr,
      float decayFactor) {}
}
