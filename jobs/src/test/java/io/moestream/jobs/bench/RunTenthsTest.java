package io.moestream.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RunTenthsTest {
  /**
   * Step i (0-based) takes i + 1 ms for 6 MFLOP; the probe answers 100, 101, … MiB and twice that
   * in GFLOP/s as it is asked.
   */
  private static RunTenths run(int timed, int stepsRun) {
    RunTenths t = new RunTenths(timed);
    double[] probe = {100};
    for (int i = 0; i < stepsRun; i++) {
      t.add(
          (i + 1) * 1_000_000L,
          6e6,
          () -> {
            double mb = probe[0]++;
            return new RunTenths.PartEnd(mb, 2 * mb, new NativeHeap.Counts(3 * mb, 4 * mb));
          });
    }
    return t;
  }

  @Test
  void unevenPartsTakeTheirOwnMeanAndTheMemoryAtTheirEnd() {
    // 25 steps: parts start at ⌊25k/10⌋ = 0 2 5 7 10 12 15 17 20 22 (25), sizes 2 3 2 3 …
    RunTenths t = run(25, 25);
    assertThat(t.recorded()).isTrue();
    // part 0: steps 0–1 → (1+2)/2; part 1: steps 2–4 → (3+4+5)/3; part 9: steps 22–24 → 24
    assertThat(t.msPerStep())
        .containsExactly(1.5, 4.0, 6.5, 9.0, 11.5, 14.0, 16.5, 19.0, 21.5, 24.0);
    // asked once per part, at its last step: never in between
    assertThat(t.rssMb())
        .containsExactly(100.0, 101.0, 102.0, 103.0, 104.0, 105.0, 106.0, 107.0, 108.0, 109.0);
    assertThat(t.sgemmGflops()[9]).isEqualTo(218.0);
    assertThat(t.mallocInUseMb()[9]).isEqualTo(327.0);
    assertThat(t.mallocFreeMb()[0]).isEqualTo(400.0);
  }

  @Test
  void eachPartIsSetAgainstTheMatmulMeasuredAfterItAndTheMedianIsTheRunsFigure() {
    // 25 steps of 6 MFLOP: part k's GFLOP/s = 6·size / its ms, its sgemm 2·(100 + k)
    RunTenths t = run(25, 25);
    double[] achieved = t.achievedGflops();
    assertThat(achieved[0]).isCloseTo(4.0, within(1e-12)); // 12 MFLOP in 1 + 2 ms
    assertThat(achieved[1]).isCloseTo(1.5, within(1e-12)); // 18 MFLOP in 3 + 4 + 5 ms
    assertThat(achieved[9]).isCloseTo(0.25, within(1e-12)); // 18 MFLOP in 23 + 24 + 25 ms
    assertThat(t.achievedVsSgemm()[0]).isCloseTo(4.0 / 200, within(1e-12));
    assertThat(t.achievedVsSgemm()[9]).isCloseTo(0.25 / 218, within(1e-12));
    // the ratios fall part by part, so the middle two of ten are parts 4 (12 MFLOP in 11 + 12
    // ms) and 5 (18 MFLOP in 13 + 14 + 15 ms)
    assertThat(t.medianAchievedVsSgemm())
        .isCloseTo((12.0 / 23 / 208 + 18.0 / 42 / 210) / 2, within(1e-12));
  }

  /** 20 timed steps (parts of 2), each 1 ms for 6 MFLOP: every part runs at 6 GFLOP/s. */
  private static RunTenths againstSgemms(int stepsRun, double... sgemm) {
    RunTenths t = new RunTenths(20);
    int[] asked = {0};
    for (int i = 0; i < stepsRun; i++) {
      t.add(
          1_000_000L,
          6e6,
          () -> new RunTenths.PartEnd(100, sgemm[asked[0]++], new NativeHeap.Counts(1, 1)));
    }
    return t;
  }

  @Test
  void theMedianSortsTheRatiosFirst() {
    // five parts run (the sixth begun): ratios 6/60 … in the order the sgemms came
    RunTenths odd = againstSgemms(11, 60, 20, 600, 30, 120);
    assertThat(odd.achievedVsSgemm()).startsWith(0.1, 0.3, 0.01, 0.2, 0.05);
    assertThat(odd.achievedVsSgemm()[5]).isNaN();
    // sorted 0.01 0.05 [0.1] 0.2 0.3; unsorted, the middle one would be 0.01
    assertThat(odd.medianAchievedVsSgemm()).isEqualTo(0.1);
    // six: sorted 0.01 0.05 [0.1 0.15] 0.2 0.3
    RunTenths even = againstSgemms(12, 60, 20, 600, 30, 120, 40);
    assertThat(even.medianAchievedVsSgemm()).isCloseTo(0.125, within(1e-15));
  }

  @Test
  void theMedianTakesOnlyThePartsRun() {
    RunTenths half = run(20, 9); // parts of 2 steps, four run: 3, 7, 11, 15 ms for 12 MFLOP each
    assertThat(half.achievedVsSgemm()[4]).isNaN();
    assertThat(half.medianAchievedVsSgemm())
        .isCloseTo((12.0 / 7 / 202 + 12.0 / 11 / 204) / 2, within(1e-12));
    assertThat(run(9, 9).medianAchievedVsSgemm()).isNaN();
  }

  @Test
  void partsNotReachedAreNaNAndExtraStepsAreIgnored() {
    RunTenths half = run(20, 9); // parts of 2: four complete, the fifth half run
    assertThat(half.msPerStep()[3]).isEqualTo(7.5); // steps 6–7 → (7+8)/2
    assertThat(half.msPerStep()[4]).isNaN();
    assertThat(half.rssMb()[3]).isEqualTo(103.0);
    assertThat(half.rssMb()[4]).isNaN();
    assertThat(half.sgemmGflops()[4]).isNaN();

    RunTenths over = run(10, 12); // one step a part; steps 10 and 11 are not the run's
    assertThat(over.msPerStep()[9]).isEqualTo(10.0);
  }

  @Test
  void underTenTimedStepsNothingIsRecorded() {
    RunTenths t = run(9, 9);
    assertThat(t.recorded()).isFalse();
    assertThat(Arrays.stream(t.msPerStep())).allMatch(v -> Double.isNaN(v));
    assertThat(Arrays.stream(t.rssMb())).allMatch(v -> Double.isNaN(v));
  }
}
