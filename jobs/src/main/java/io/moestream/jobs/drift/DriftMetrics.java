package io.moestream.jobs.drift;

import io.moestream.jobs.local.RecentMean;

/**
 * The drift benchmark's arithmetic as pure functions on plain arrays, so that the definitions the
 * verdict rests on (what "recovered" means, when a spawn counts as a reaction to a switch) can be
 * unit-tested on a hand-made series instead of on a noisy training run. Non-finite values (skipped
 * steps) are ignored by every mean, as {@link RecentMean} does.
 */
final class DriftMetrics {
  /** Steps before a switch whose mean loss is the level to recover to. */
  static final int PRE_SWITCH_STEPS = 20;

  /** Steps in the running mean that has to get back to that level. */
  static final int RUNNING_STEPS = 10;

  /** How far above the pre-switch level still counts as recovered (10%). */
  static final double RECOVERY_TOLERANCE = 0.10;

  /** Returned by {@link #recoverySteps} and {@link #firstEventDelay} for "never". */
  static final int NEVER = -1;

  private DriftMetrics() {}

  /** Mean of the finite values of {@code xs[from, to)}; NaN when there are none. */
  static double mean(double[] xs, int from, int to) {
    double sum = 0;
    int n = 0;
    for (int i = Math.max(0, from); i < Math.min(to, xs.length); i++) {
      if (Double.isFinite(xs[i])) {
        sum += xs[i];
        n++;
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  static double mean(double[] xs) {
    return mean(xs, 0, xs.length);
  }

  /** Sample standard deviation (n - 1) of the finite values; 0 for a single value, NaN for none. */
  static double std(double[] xs) {
    double m = mean(xs);
    double ss = 0;
    int n = 0;
    for (double x : xs) {
      if (Double.isFinite(x)) {
        ss += (x - m) * (x - m);
        n++;
      }
    }
    return n == 0 ? Double.NaN : n == 1 ? 0 : Math.sqrt(ss / (n - 1));
  }

  /**
   * Trailing mean over {@code window} steps: {@code out[i]} is the mean of {@code xs[i - window +
   * 1, i]} (fewer at the start). The plots use it because a per-batch loss is too noisy to read.
   */
  static double[] smooth(double[] xs, int window) {
    double[] out = new double[xs.length];
    for (int i = 0; i < xs.length; i++) {
      out[i] = mean(xs, i - window + 1, i + 1);
    }
    return out;
  }

  /**
   * Steps from a domain switch until the loss is back near where it was before the switch.
   *
   * <p>The pre-switch level is the mean loss of the {@link #PRE_SWITCH_STEPS} steps before {@code
   * switchStep}; the running loss at step t is the mean of the {@link #RUNNING_STEPS} steps ending
   * at t, all of them after the switch (a window that still held pre-switch steps would "recover"
   * trivially). Recovered means running loss ≤ (1 + {@link #RECOVERY_TOLERANCE}) × pre-switch level
   * — a new domain that is easier than the old one counts as recovered at once. The search stops at
   * {@code end} (the next switch or the end of the stream).
   *
   * @return t - switchStep + 1 for the first such t, at least {@link #RUNNING_STEPS}; or {@link
   *     #NEVER}
   */
  static int recoverySteps(double[] loss, int switchStep, int end) {
    double pre = mean(loss, switchStep - PRE_SWITCH_STEPS, switchStep);
    if (!Double.isFinite(pre)) {
      return NEVER;
    }
    double target = (1 + RECOVERY_TOLERANCE) * pre;
    int stop = Math.min(end, loss.length);
    for (int t = switchStep + RUNNING_STEPS - 1; t < stop; t++) {
      if (mean(loss, t - RUNNING_STEPS + 1, t + 1) <= target) {
        return t - switchStep + 1;
      }
    }
    return NEVER;
  }

  /**
   * Steps from {@code switchStep} to the first event at or after it and before {@code end}: how
   * long DynMoE took to spawn an expert for a new domain.
   *
   * @param eventSteps steps of the events (a change is stamped with the step after whose update it
   *     was applied), in any order
   * @return the delay, or {@link #NEVER} when no event falls in {@code [switchStep, end)}
   */
  static int firstEventDelay(long[] eventSteps, int switchStep, int end) {
    long first = Long.MAX_VALUE;
    for (long s : eventSteps) {
      if (s >= switchStep && s < end && s < first) {
        first = s;
      }
    }
    return first == Long.MAX_VALUE ? NEVER : (int) (first - switchStep);
  }

  /** Mean and sample std of {@code values}; used for every "mean ± std over seeds" cell. */
  static double[] meanStd(double[] values) {
    return new double[] {mean(values), std(values)};
  }

  /** Mean over the rows of {@code rows[i][j]} for each column j: a per-step series over seeds. */
  static double[] meanOverRows(double[][] rows) {
    int n = rows[0].length;
    double[] out = new double[n];
    double[] column = new double[rows.length];
    for (int j = 0; j < n; j++) {
      for (int i = 0; i < rows.length; i++) {
        column[i] = j < rows[i].length ? rows[i][j] : Double.NaN;
      }
      out[j] = mean(column);
    }
    return out;
  }

  /**
   * Forgetting after domain {@code i}: the mean, over the domains {@code j < i} already left
   * behind, of how much their held-out loss rose from when their own training ended ({@code
   * heldOut[j][j]}) to after domain {@code i} ({@code heldOut[i][j]}) — backward transfer
   * (Lopez-Paz and Ranzato, 2017) with the sign turned so that positive means forgotten, in nats.
   *
   * @return NaN for {@code i = 0} (nothing earlier) or when no pair is finite
   */
  static double forgettingAfter(double[][] heldOut, int i) {
    double[] rise = new double[i];
    for (int j = 0; j < i; j++) {
      rise[j] = heldOut[i][j] - heldOut[j][j];
    }
    return mean(rise);
  }

  /** {@link #forgettingAfter} at the end of the stream: the run's forgetting. */
  static double forgetting(double[][] heldOut) {
    return forgettingAfter(heldOut, heldOut.length - 1);
  }

  /**
   * Whether a spawn falls within {@code span} steps of each switch: in {@code [switch, switch +
   * span)}, cut at the next switch and at the end of the stream (a spawn after the next switch
   * belongs to that one).
   */
  static boolean[] spawnNear(long[] spawnSteps, int[] switches, int steps, long span) {
    boolean[] out = new boolean[switches.length];
    for (int i = 0; i < switches.length; i++) {
      long end = Math.min(switches[i] + span, steps);
      if (i + 1 < switches.length) {
        end = Math.min(end, switches[i + 1]);
      }
      for (long s : spawnSteps) {
        out[i] |= s >= switches[i] && s < end;
      }
    }
    return out;
  }

  /**
   * The chance that a window of {@code span} steps holds a spawn if the switch fell at a random
   * step, given the run's own spawn steps: the share of start steps {@code t} in {@code [0, steps -
   * span]} whose window {@code [t, t + span)} contains one. It keeps the run's overall spawn
   * frequency and its window schedule (spawns only come at window ends), which a rate per step
   * would not.
   */
  static double spawnChance(long[] spawnSteps, int steps, long span) {
    long starts = steps - span + 1;
    if (starts < 1) {
      return spawnSteps.length > 0 ? 1 : 0;
    }
    long hit = 0;
    for (long t = 0; t < starts; t++) {
      for (long s : spawnSteps) {
        if (s >= t && s < t + span) {
          hit++;
          break;
        }
      }
    }
    return (double) hit / starts;
  }

  /**
   * P(X ≥ {@code x}) for X ~ Binomial({@code n}, {@code p}): how often chance alone would put a
   * spawn near at least {@code x} of {@code n} switches.
   */
  static double binomialUpperTail(int n, int x, double p) {
    double sum = 0;
    for (int k = Math.max(x, 0); k <= n; k++) {
      sum += Math.exp(logChoose(n, k)) * Math.pow(p, k) * Math.pow(1 - p, n - k);
    }
    return Math.min(1, sum);
  }

  private static double logChoose(int n, int k) {
    double s = 0;
    for (int i = 1; i <= k; i++) {
      s += Math.log(n - k + i) - Math.log(i);
    }
    return s;
  }
}
