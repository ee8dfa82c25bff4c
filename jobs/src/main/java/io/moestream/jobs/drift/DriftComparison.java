package io.moestream.jobs.drift;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A contender against the grid, paired by seed: per seed, its loss minus the grid's frontier at its
 * own expert FLOPs (made from that seed's grid runs), and its forgetting minus top-2's; each
 * difference summarised by a bootstrap interval over seeds ({@link DriftBootstrap}). Pairing by
 * seed removes what the seeds share — the same batches, and in the upcycled preset the same dense
 * warm-up — so the interval measures the contender, not the seed.
 *
 * @param contender the configuration compared
 * @param flopsRatioToTop2 its mean expert FLOPs over top-2's (NaN without top-2)
 * @param lossMinusFrontier per seed, loss minus the frontier at equal expert FLOPs
 * @param frontier its interval
 * @param outsideFrontier true when some seed's FLOPs fall outside the frontier's range (flat there)
 * @param forgettingMinusTop2 per seed, forgetting minus top-2's
 * @param forgetting its interval (NaN bounds without top-2)
 */
record DriftComparison(
    DriftSummary contender,
    double flopsRatioToTop2,
    double[] lossMinusFrontier,
    DriftBootstrap.Interval frontier,
    boolean outsideFrontier,
    double[] forgettingMinusTop2,
    DriftBootstrap.Interval forgetting) {

  /** The frontier's members in {@code summaries} (the preset's grid points), cheapest first. */
  static List<DriftSummary> frontierMembers(List<DriftSummary> summaries) {
    List<DriftFrontier.Point> grid = new ArrayList<>();
    for (DriftSummary s : summaries) {
      if (s.config().grid()) {
        grid.add(
            new DriftFrontier.Point(s.name(), s.flopsPerToken().mean(), s.overallLoss().mean()));
      }
    }
    List<DriftSummary> out = new ArrayList<>();
    for (DriftFrontier.Point p : DriftFrontier.members(grid)) {
      summaries.stream().filter(s -> s.name().equals(p.name())).forEach(out::add);
    }
    return out;
  }

  /**
   * Compares {@code contender} with the frontier of {@code members} and with {@code top2}; empty
   * when there is no frontier (no grid point was run).
   */
  static Optional<DriftComparison> of(
      DriftSummary contender, List<DriftSummary> members, Optional<DriftSummary> top2) {
    if (members.isEmpty()) {
      return Optional.empty();
    }
    List<Long> seeds = contender.seeds();
    double[] dLoss = new double[seeds.size()];
    double[] dForget = new double[seeds.size()];
    boolean outside = false;
    for (int i = 0; i < seeds.size(); i++) {
      long seed = seeds.get(i);
      DriftRunMetrics c = contender.metrics().get(i);
      double[] flops = new double[members.size()];
      double[] loss = new double[members.size()];
      for (int m = 0; m < members.size(); m++) {
        DriftRunMetrics g = onSeed(members.get(m), seed);
        flops[m] = g == null ? Double.NaN : g.flopsPerToken();
        loss[m] = g == null ? Double.NaN : g.overallLoss();
      }
      dLoss[i] = c.overallLoss() - DriftFrontier.at(flops, loss, c.flopsPerToken());
      outside |= DriftFrontier.outside(flops, c.flopsPerToken());
      DriftRunMetrics t = top2.map(s -> onSeed(s, seed)).orElse(null);
      dForget[i] = t == null ? Double.NaN : c.forgetting() - t.forgetting();
    }
    double ratio =
        top2.map(t -> contender.flopsPerToken().mean() / t.flopsPerToken().mean())
            .orElse(Double.NaN);
    return Optional.of(
        new DriftComparison(
            contender,
            ratio,
            dLoss,
            DriftBootstrap.meanInterval(dLoss),
            outside,
            dForget,
            DriftBootstrap.meanInterval(dForget)));
  }

  private static DriftRunMetrics onSeed(DriftSummary s, long seed) {
    int i = s.seeds().indexOf(seed);
    return i < 0 ? null : s.metrics().get(i);
  }
}
