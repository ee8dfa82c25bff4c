package io.moestream.jobs.drift;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A percentile bootstrap confidence interval for the mean of paired differences, one difference per
 * seed. Seeds are the unit that is resampled because they are what varies between repeats of the
 * benchmark (initialisation, and the warm-up in the upcycled preset); the batches are the same for
 * every run. The generator's seed is fixed, so a report is reproducible to the digit.
 */
final class DriftBootstrap {
  /** Resamples drawn; with 5 seeds there are only 126 distinct resamples, so this is plenty. */
  static final int RESAMPLES = 10_000;

  /** The generator's seed: any fixed value; this one is the date the method was written. */
  static final long SEED = 20261201L;

  /** Two-sided confidence level. */
  static final double LEVEL = 0.95;

  /**
   * A mean and its interval.
   *
   * @param mean the mean of the differences
   * @param lower the interval's lower end
   * @param upper its upper end
   * @param n differences (seeds) it rests on
   */
  record Interval(double mean, double lower, double upper, int n) {
    /** Below 0 throughout: the contender is measurably better (lower loss or less forgetting). */
    boolean below() {
      return upper <= 0;
    }

    /** Above 0 throughout: measurably worse. */
    boolean above() {
      return lower > 0;
    }
  }

  private DriftBootstrap() {}

  static Interval meanInterval(double[] differences) {
    return meanInterval(differences, RESAMPLES, SEED, LEVEL);
  }

  /**
   * Draws {@code resamples} resamples of the finite {@code differences} with replacement, takes
   * each one's mean, and returns the {@code (1 - level) / 2} and {@code (1 + level) / 2} quantiles
   * of those means — the sorted means at index {@code round(q × (resamples − 1))}.
   *
   * @return NaN bounds when there are no finite differences
   */
  static Interval meanInterval(double[] differences, int resamples, long seed, double level) {
    double[] d = Arrays.stream(differences).filter(Double::isFinite).toArray();
    if (d.length == 0) {
      return new Interval(Double.NaN, Double.NaN, Double.NaN, 0);
    }
    SplittableRandom random = new SplittableRandom(seed);
    double[] means = new double[resamples];
    for (int r = 0; r < resamples; r++) {
      double sum = 0;
      for (int i = 0; i < d.length; i++) {
        sum += d[random.nextInt(d.length)];
      }
      means[r] = sum / d.length;
    }
    Arrays.sort(means);
    double alpha = (1 - level) / 2;
    return new Interval(
        DriftMetrics.mean(d),
        means[(int) Math.round(alpha * (resamples - 1))],
        means[(int) Math.round((1 - alpha) * (resamples - 1))],
        d.length);
  }
}
