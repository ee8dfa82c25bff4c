package io.moestream.moe.conformance;

/**
 * Per-dtype tolerances of {@code shared/conformance/README.md}: |got − want| ≤ abs + rel·|want|.
 * float64: abs 1e-9, rel 1e-9, gradients abs 1e-7; float32: abs 1e-5, rel 1e-4.
 */
record Tolerance(double abs, double rel, double gradAbs) {
  static Tolerance forDtype(String dtype) {
    return dtype.contains("64") ? new Tolerance(1e-9, 1e-9, 1e-7) : new Tolerance(1e-5, 1e-4, 1e-5);
  }
}
