package io.moestream.moe.tensor;

/**
 * SplitMix64: a tiny deterministic generator whose whole state is one {@code long}, so a snapshot
 * can store it and a restored trainer continues the exact same random sequence. Initialisation is
 * drawn here on the host, never from libtorch's global generator, so a model depends only on its
 * seed.
 */
public final class Rng {
  private long state;

  public Rng(long seed) {
    this.state = seed;
  }

  public long state() {
    return state;
  }

  public void setState(long s) {
    this.state = s;
  }

  public long nextLong() {
    long z = (state += 0x9E3779B97F4A7C15L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Uniform in [0, 1). */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Standard normal by Box-Muller (one value per call; simple and reproducible). */
  public double nextGaussian() {
    double u1 = nextDouble();
    double u2 = nextDouble();
    if (u1 < 1e-300) {
      u1 = 1e-300;
    }
    return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
  }

  /** {@code n} normal values scaled by {@code std}, as floats. */
  public float[] normal(int n, double std) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (nextGaussian() * std);
    }
    return out;
  }
}
