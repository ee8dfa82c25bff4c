package io.moestream.jobs.bench;

import io.moestream.moe.lifecycle.ChangeKind;
import io.moestream.moe.lifecycle.ExpertChange;
import io.moestream.moe.train.StepPhases;
import io.moestream.moe.train.StepResult;
import java.util.ArrayList;
import java.util.List;

/**
 * Accumulates a training benchmark's measurements. Only steps after the warm-up are timed (the
 * first steps pay for libtorch start-up and allocator growth), but lifecycle changes are counted
 * over the whole run.
 */
final class BenchResult {
  long timedTokens;
  long timedNanos;

  /** Timed steps' nanoseconds per phase, in the order of {@code StepPhases.NAMES}. */
  final long[] timedPhaseNanos = new long[StepPhases.NAMES.size()];

  long timedPairs;
  int timedSteps;

  /** Device→host reads over the timed steps, and the most one timed step made. */
  long timedReads;

  long hostReadsMax;
  double libtorchCallsPerStep = Double.NaN;

  /** Every step's prequential loss, warm-up included, to compare two dispatches' runs. */
  final List<Double> losses = new ArrayList<>();

  int spawns;
  int prunes;
  double rssAt1000 = Double.NaN;
  double rssFinal = Double.NaN;
  int[] active = new int[0];
  double sgemm = Double.NaN;
  MatmulBench.ExpertResult experts;

  BenchResult(int layers) {
    active = new int[layers];
  }

  void add(StepResult r, boolean timed) {
    add(r, timed, 0);
  }

  /** A step and the device→host reads it made ({@code DeviceReads} before and after). */
  void add(StepResult r, boolean timed, long reads) {
    if (timed) {
      timedReads += reads;
      hostReadsMax = Math.max(hostReadsMax, reads);
      timedTokens += r.tokens();
      timedNanos += r.nanos();
      long[] phases = r.phases().nanos();
      for (int i = 0; i < phases.length; i++) {
        timedPhaseNanos[i] += phases[i];
      }
      timedPairs += r.expertPairs();
      timedSteps++;
    }
    losses.add(r.prequentialLoss());
    for (ExpertChange c : r.changes()) {
      if (c.kind() == ChangeKind.SPAWNED) {
        spawns++;
      } else if (c.kind() == ChangeKind.PRUNED) {
        prunes++;
      }
    }
  }

  double tokensPerSecond() {
    return timedNanos == 0 ? 0 : timedTokens * 1e9 / timedNanos;
  }

  double hostReadsPerStep() {
    return timedSteps == 0 ? Double.NaN : (double) timedReads / timedSteps;
  }

  double msPerStep() {
    return timedSteps == 0 ? Double.NaN : timedNanos / 1e6 / timedSteps;
  }

  /** Mean milliseconds per timed step in phase {@code i} of {@code StepPhases.NAMES}. */
  double msPerStepIn(int i) {
    return timedSteps == 0 ? Double.NaN : timedPhaseNanos[i] / 1e6 / timedSteps;
  }

  /** The largest |loss difference| at the same step of two runs (NaN when a loss is not finite). */
  static double maxLossDiff(BenchResult a, BenchResult b) {
    double max = 0;
    for (int i = 0; i < Math.min(a.losses.size(), b.losses.size()); i++) {
      max = Math.max(max, Math.abs(a.losses.get(i) - b.losses.get(i)));
    }
    return max;
  }

  /** Measured (token, expert) pairs per token, summed over layers. */
  double pairsPerToken() {
    return timedTokens == 0 ? 0 : (double) timedPairs / timedTokens;
  }
}
