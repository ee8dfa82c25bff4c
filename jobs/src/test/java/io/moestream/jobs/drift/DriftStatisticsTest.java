package io.moestream.jobs.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.moestream.moe.data.TextCorpus;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The arithmetic the v2 verdict rests on — frontier, paired bootstrap, forgetting, spawns against
 * chance, and the disjoint slices — on numbers small enough to check by hand.
 */
class DriftStatisticsTest {
  private static final double NAN = Double.NaN;

  @Test
  void frontierMembersAreTheLowerEnvelopeOfTheSeedMeans() {
    List<DriftFrontier.Point> grid =
        List.of(
            new DriftFrontier.Point("A", 100, 3.0),
            new DriftFrontier.Point("B", 100, 2.9), // beats A at the same FLOPs
            new DriftFrontier.Point("C", 200, 2.5),
            new DriftFrontier.Point("D", 400, 2.6), // dearer than C and worse: off the frontier
            new DriftFrontier.Point("E", 800, 2.2));
    assertThat(DriftFrontier.members(grid))
        .extracting(DriftFrontier.Point::name)
        .containsExactly("B", "C", "E");
  }

  @Test
  void frontierIsLinearInLogFlopsAndFlatOutside() {
    double[] flops = {100, 200, 800};
    double[] loss = {2.9, 2.5, 2.2};
    assertThat(DriftFrontier.at(flops, loss, 100)).isEqualTo(2.9);
    assertThat(DriftFrontier.at(flops, loss, 200)).isEqualTo(2.5);
    // halfway in log between 100 and 200 is 100·√2
    assertThat(DriftFrontier.at(flops, loss, 100 * Math.sqrt(2))).isCloseTo(2.7, within(1e-12));
    // 400 is halfway in log between 200 and 800
    assertThat(DriftFrontier.at(flops, loss, 400)).isCloseTo(2.35, within(1e-12));
    // 85% of 200 (K = 1.7 against top-2): t = log 1.7 / log 2 = 0.765535
    assertThat(DriftFrontier.at(flops, loss, 170)).isCloseTo(2.593786, within(1e-6));
    assertThat(DriftFrontier.at(flops, loss, 50)).isEqualTo(2.9);
    assertThat(DriftFrontier.at(flops, loss, 1000)).isEqualTo(2.2);
    assertThat(DriftFrontier.outside(flops, 50)).isTrue();
    assertThat(DriftFrontier.outside(flops, 1000)).isTrue();
    assertThat(DriftFrontier.outside(flops, 800)).isFalse();
    assertThat(DriftFrontier.at(new double[0], new double[0], 1)).isNaN();
  }

  @Test
  void bootstrapIntervalOfTwoSeedsIsTheRangeOfTheResampleMeans() {
    // Resamples of {0, 2}: mean 0, 1 or 2 with probabilities 1/4, 1/2, 1/4 — each end holds far
    // more than 2.5%, so the 95% interval is [0, 2] around the mean 1.
    DriftBootstrap.Interval i = DriftBootstrap.meanInterval(new double[] {0, 2});
    assertThat(i.mean()).isEqualTo(1.0);
    assertThat(i.lower()).isEqualTo(0.0);
    assertThat(i.upper()).isEqualTo(2.0);
    assertThat(i.n()).isEqualTo(2);
    assertThat(i.below()).isFalse();
    assertThat(i.above()).isFalse();
    // {0, 0, 3}: P(mean = 3) = 1/27 = 3.7% > 2.5%, so the upper end is 3; P(mean = 0) = 8/27.
    DriftBootstrap.Interval j = DriftBootstrap.meanInterval(new double[] {0, 0, 3});
    assertThat(j.lower()).isEqualTo(0.0);
    assertThat(j.upper()).isEqualTo(3.0);
  }

  @Test
  void bootstrapIsReproducibleAndSkipsMissingSeeds() {
    double[] d = {-0.03, -0.01, -0.02, -0.05, -0.04};
    DriftBootstrap.Interval a = DriftBootstrap.meanInterval(d);
    assertThat(DriftBootstrap.meanInterval(d)).isEqualTo(a);
    assertThat(a.mean()).isCloseTo(-0.03, within(1e-12));
    assertThat(a.lower()).isBetween(-0.05, a.mean());
    assertThat(a.upper()).isBetween(a.mean(), -0.01);
    assertThat(a.below()).isTrue();
    DriftBootstrap.Interval c = DriftBootstrap.meanInterval(new double[] {0.3, 0.3, 0.3});
    assertThat(c.lower()).isEqualTo(0.3);
    assertThat(c.upper()).isEqualTo(0.3);
    assertThat(c.above()).isTrue();
    DriftBootstrap.Interval one = DriftBootstrap.meanInterval(new double[] {NAN, 1});
    assertThat(one.n()).isEqualTo(1);
    assertThat(one.lower()).isEqualTo(1.0);
    assertThat(DriftBootstrap.meanInterval(new double[] {NAN}).mean()).isNaN();
  }

  @Test
  void forgettingIsTheMeanRiseOfEarlierDomainsHeldOutLoss() {
    double[][] held = {
      {2.0, NAN, NAN},
      {2.3, 1.5, NAN},
      {2.6, 1.9, 1.2}
    };
    assertThat(DriftMetrics.forgettingAfter(held, 0)).isNaN();
    assertThat(DriftMetrics.forgettingAfter(held, 1)).isCloseTo(0.3, within(1e-12));
    // (2.6 - 2.0 + 1.9 - 1.5) / 2
    assertThat(DriftMetrics.forgettingAfter(held, 2)).isCloseTo(0.5, within(1e-12));
    assertThat(DriftMetrics.forgetting(held)).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void spawnsNearSwitchesAgainstChance() {
    long[] spawns = {45, 130};
    assertThat(DriftMetrics.spawnNear(spawns, new int[] {40, 100}, 200, 20))
        .containsExactly(true, false);
    // a spawn after the next switch belongs to that one
    assertThat(DriftMetrics.spawnNear(new long[] {55}, new int[] {40, 50}, 200, 20))
        .containsExactly(false, true);
    // 26 start steps 0..25 for windows of 5 in 30 steps; those holding step 10 start at 6..10
    assertThat(DriftMetrics.spawnChance(new long[] {10}, 30, 5)).isEqualTo(5.0 / 26);
    assertThat(DriftMetrics.spawnChance(new long[] {10, 12}, 30, 5)).isEqualTo(7.0 / 26);
    assertThat(DriftMetrics.spawnChance(new long[0], 30, 5)).isZero();
    // P(X >= 2), X ~ Bin(3, 1/2) = 3/8 + 1/8
    assertThat(DriftMetrics.binomialUpperTail(3, 2, 0.5)).isCloseTo(0.5, within(1e-12));
    assertThat(DriftMetrics.binomialUpperTail(4, 4, 0.5)).isCloseTo(1.0 / 16, within(1e-12));
    assertThat(DriftMetrics.binomialUpperTail(3, 0, 0.2)).isCloseTo(1.0, within(1e-12));
  }

  @Test
  void slicesAreDisjointStreamWarmUpAndHeldOut() {
    TextCorpus corpus =
        TextCorpus.of(
            List.of(
                new TextCorpus.Domain("a", range(0, 100)),
                new TextCorpus.Domain("b", range(100, 220))));
    DriftSlices s = DriftSlices.of(corpus, 40, 30, 20);
    assertThat(s.stream().domains().get(0).tokens()).isEqualTo(range(0, 40));
    assertThat(s.stream().domains().get(1).tokens()).isEqualTo(range(100, 140));
    assertThat(s.warmUp().get(0).domains().get(0).tokens()).isEqualTo(range(40, 70));
    assertThat(s.warmUp().get(1).domains().get(0).tokens()).isEqualTo(range(140, 170));
    assertThat(s.heldOut().get(0).domains().get(0).tokens()).isEqualTo(range(80, 100));
    assertThat(s.heldOut().get(1).domains().get(0).tokens()).isEqualTo(range(200, 220));
    // windows of ctx 4 + 1 = 5, batch 2: a's warm-up holds 3 batches, b's 3: a0 b0 a1 b1 a2 b2
    List<int[][]> warm = s.warmUpBatches(2, 4);
    assertThat(warm).hasSize(6);
    assertThat(warm.get(0)[0][0]).isEqualTo(40);
    assertThat(warm.get(1)[0][0]).isEqualTo(140);
    assertThat(warm.get(2)[0][0]).isEqualTo(50);
    assertThat(s.heldOutBatches(2, 4).get(1)).hasSize(2);
    assertThat(DriftSlices.of(corpus, 40, 0, 20).warmUp()).isEmpty();
    assertThatThrownBy(() -> DriftSlices.of(corpus, 60, 30, 20))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("domain a has 100 tokens");
  }

  /** Token ids from..to-1, kept inside the byte vocabulary. */
  private static int[] range(int from, int to) {
    int[] out = new int[to - from];
    for (int i = 0; i < out.length; i++) {
      out[i] = from + i;
    }
    return out;
  }
}
