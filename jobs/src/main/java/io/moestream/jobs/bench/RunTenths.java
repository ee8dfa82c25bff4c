package io.moestream.jobs.bench;

import java.util.Arrays;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The timed steps of a benchmark cut into ten equal parts, with each part's mean step time and what
 * is measured after its last step (resident memory, the machine's matmul speed, malloc's books). A
 * mean over the whole run hides a job that slows down or grows as it runs; a continual trainer runs
 * for days, so {@code bench train} shows the trend — and the matmul speed beside it, since a shared
 * machine's speed drifts on its own (a slower part with a slower matmul is the machine). The same
 * drift makes one matmul measurement a poor yardstick for a whole run, so each part's achieved
 * speed is set against the matmul measured right after it, and the median of those ten ratios is
 * the run's figure:
 *
 * <pre>
 * part k (0…9) = timed steps [⌊k·n/10⌋, ⌊(k+1)·n/10⌋)      n = timed steps
 * ms_per_step[k]      = Σ step time over part k / its size
 * achieved_gflops[k]  = Σ step FLOPs over part k / Σ step time over part k
 * end[k]              = measured after its last step, outside the step timings
 * achieved_vs_sgemm[k] = achieved_gflops[k] / end[k].sgemm
 * </pre>
 *
 * Under ten timed steps a part would be empty, so nothing is recorded.
 */
final class RunTenths {
  static final int PARTS = 10;

  private final int timedSteps;
  private final long[] nanos = new long[PARTS];
  private final double[] flops = new double[PARTS];
  private final PartEnd[] ends = new PartEnd[PARTS];
  private int seen;

  /**
   * @param timedSteps how many timed steps the run will make
   */
  RunTenths(int timedSteps) {
    this.timedSteps = timedSteps;
  }

  /** Whether the run is long enough to cut into ten non-empty parts. */
  boolean recorded() {
    return timedSteps >= PARTS;
  }

  /**
   * What is measured when a part ends.
   *
   * @param rssMb resident memory, MiB
   * @param sgemmGflops the machine's plain-matmul speed
   * @param malloc what glibc's malloc holds in use and keeps free ({@link NativeHeap})
   */
  record PartEnd(double rssMb, double sgemmGflops, NativeHeap.Counts malloc) {}

  /**
   * The next timed step took {@code stepNanos} for {@code stepFlops} model FLOPs (as counted for
   * the run's achieved speed); {@code measure} is called only when the step ends a part.
   */
  void add(long stepNanos, double stepFlops, Supplier<PartEnd> measure) {
    if (!recorded() || seen >= timedSteps) {
      return;
    }
    int part = partOf(seen);
    nanos[part] += stepNanos;
    flops[part] += stepFlops;
    seen++;
    if (seen == start(part + 1)) {
      ends[part] = measure.get();
    }
  }

  /** Mean milliseconds per step of each part (NaN for a part not yet run). */
  double[] msPerStep() {
    double[] out = new double[PARTS];
    for (int k = 0; k < PARTS; k++) {
      int size = start(k + 1) - start(k);
      out[k] = ends[k] != null ? nanos[k] / 1e6 / size : Double.NaN;
    }
    return out;
  }

  /** Model GFLOP/s achieved over each part's steps (NaN for a part not yet run). */
  double[] achievedGflops() {
    double[] out = new double[PARTS];
    for (int k = 0; k < PARTS; k++) {
      out[k] = ends[k] != null ? flops[k] / nanos[k] : Double.NaN; // FLOP/ns = GFLOP/s
    }
    return out;
  }

  /** Each part's achieved GFLOP/s over the matmul speed measured right after it (NaN likewise). */
  double[] achievedVsSgemm() {
    double[] achieved = achievedGflops();
    double[] sgemm = sgemmGflops();
    double[] out = new double[PARTS];
    for (int k = 0; k < PARTS; k++) {
      out[k] = achieved[k] / sgemm[k];
    }
    return out;
  }

  /**
   * The median of {@link #achievedVsSgemm()} over the parts run (the mean of the middle two when
   * their number is even; NaN when none was): the run's speed against the machine's, each part
   * against the matmul measured seconds after it, so that neither one slow matmul nor a few slow
   * parts decide it.
   */
  double medianAchievedVsSgemm() {
    double[] ratios = Arrays.stream(achievedVsSgemm()).filter(Double::isFinite).sorted().toArray();
    int n = ratios.length;
    if (n == 0) {
      return Double.NaN;
    }
    return n % 2 == 1 ? ratios[n / 2] : (ratios[n / 2 - 1] + ratios[n / 2]) / 2;
  }

  /** Resident memory (MiB) after each part's last step (NaN where not reached or unknown). */
  double[] rssMb() {
    return atEnds(PartEnd::rssMb);
  }

  /** Plain-matmul GFLOP/s measured after each part's last step (NaN where not reached). */
  double[] sgemmGflops() {
    return atEnds(PartEnd::sgemmGflops);
  }

  /** malloc's bytes in use after each part's last step, MiB (NaN where not reached or unknown). */
  double[] mallocInUseMb() {
    return atEnds(e -> e.malloc().inUseMb());
  }

  /** malloc's freed bytes kept for reuse after each part's last step, MiB (NaN likewise). */
  double[] mallocFreeMb() {
    return atEnds(e -> e.malloc().freeMb());
  }

  private double[] atEnds(ToDoubleFunction<PartEnd> field) {
    double[] out = new double[PARTS];
    for (int k = 0; k < PARTS; k++) {
      out[k] = ends[k] == null ? Double.NaN : field.applyAsDouble(ends[k]);
    }
    return out;
  }

  private int start(int part) {
    return (int) ((long) part * timedSteps / PARTS);
  }

  private int partOf(int timedIndex) {
    int k = (int) ((long) timedIndex * PARTS / timedSteps);
    while (start(k + 1) <= timedIndex) {
      k++;
    }
    while (start(k) > timedIndex) {
      k--;
    }
    return k;
  }
}
