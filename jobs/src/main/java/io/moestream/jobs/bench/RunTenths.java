package io.moestream.jobs.bench;

import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The timed steps of a benchmark cut into ten equal parts, with each part's mean step time and what
 * is measured after its last step (resident memory, the machine's matmul speed, malloc's books). A
 * mean over the whole run hides a job that slows down or grows as it runs; a continual trainer runs
 * for days, so {@code bench train} shows the trend — and the matmul speed beside it, since a shared
 * machine's speed drifts on its own (a slower part with a slower matmul is the machine):
 *
 * <pre>
 * part k (0…9) = timed steps [⌊k·n/10⌋, ⌊(k+1)·n/10⌋)      n = timed steps
 * ms_per_step[k] = Σ step time over part k / its size
 * end[k]         = measured after its last step, outside the step timings
 * </pre>
 *
 * Under ten timed steps a part would be empty, so nothing is recorded.
 */
final class RunTenths {
  static final int PARTS = 10;

  private final int timedSteps;
  private final long[] nanos = new long[PARTS];
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
   * The next timed step took {@code stepNanos}; {@code measure} is called only when the step ends a
   * part.
   */
  void add(long stepNanos, Supplier<PartEnd> measure) {
    if (!recorded() || seen >= timedSteps) {
      return;
    }
    int part = partOf(seen);
    nanos[part] += stepNanos;
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
