package io.moestream.jobs.drift;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The top-k grid's loss-versus-expert-FLOPs frontier: what the best fixed (E, k) choice costs at
 * each compute level, the line an adaptive router has to get under.
 *
 * <p>How it is made. Members: the grid points on the lower envelope of the seed-mean points — at
 * each FLOPs level the point with the lowest mean loss, and of those only the ones whose mean loss
 * is below every cheaper member's (a point that costs more and loses more is not on anyone's
 * frontier). Between members the frontier is linear in log(FLOPs): the grid doubles k, so members
 * are evenly spaced in log-FLOPs, and loss falls roughly linearly in log-compute (the scaling-law
 * shape), where linear-in-FLOPs would bow the line and favour whichever side is interpolated.
 * Outside the members' range it is flat, with no extrapolation: a contender cheaper than every
 * member is held to the cheapest member's loss (strict on the contender), one dearer than every
 * member to the richest member's (lenient on it; the report flags such a comparison). Members are
 * chosen once from the seed means; per seed, the same members' own losses on that seed give that
 * seed's frontier, which is what makes the comparison paired. Choosing the members from the same
 * data favours the grid slightly, so a contender that beats the frontier beats it honestly.
 */
final class DriftFrontier {
  /** One grid point: its name, expert FLOPs per token and mean loss over seeds. */
  record Point(String name, double flops, double loss) {}

  private DriftFrontier() {}

  /** The frontier's members, cheapest first (see the class comment). */
  static List<Point> members(List<Point> grid) {
    List<Point> sorted = new ArrayList<>(grid);
    sorted.sort(Comparator.comparingDouble(Point::flops).thenComparingDouble(Point::loss));
    List<Point> out = new ArrayList<>();
    for (Point p : sorted) {
      boolean sameLevel = !out.isEmpty() && out.get(out.size() - 1).flops() == p.flops();
      boolean better = out.isEmpty() || p.loss() < out.get(out.size() - 1).loss();
      if (!sameLevel && better) {
        out.add(p);
      }
    }
    return out;
  }

  /**
   * The frontier through {@code (flops[i], loss[i])} (ascending FLOPs) at {@code at}: linear in
   * log(FLOPs) between neighbours, flat outside.
   */
  static double at(double[] flops, double[] loss, double at) {
    if (flops.length == 0) {
      return Double.NaN;
    }
    if (at <= flops[0]) {
      return loss[0];
    }
    int last = flops.length - 1;
    if (at >= flops[last]) {
      return loss[last];
    }
    int i = 0;
    while (flops[i + 1] < at) {
      i++;
    }
    double t = Math.log(at / flops[i]) / Math.log(flops[i + 1] / flops[i]);
    return loss[i] + t * (loss[i + 1] - loss[i]);
  }

  /** Whether {@code at} lies outside the members' FLOPs range (the frontier is flat there). */
  static boolean outside(double[] flops, double at) {
    return flops.length == 0 || at < flops[0] || at > flops[flops.length - 1];
  }
}
