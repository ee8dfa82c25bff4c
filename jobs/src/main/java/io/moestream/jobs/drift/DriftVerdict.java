package io.moestream.jobs.drift;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The questions the benchmark exists to answer, per preset, each computed from the runs: where
 * DynMoE and DynMoE + budget lie against the grid's frontier at equal expert FLOPs, how much they
 * forget against top-2, whether their spawns follow the switches more than chance would, and the
 * issue's goal line. A question whose contenders were not run (a {@code --configs} subset) is
 * answered "n/a" rather than guessed.
 *
 * <p>Reading of "on or below" and "no worse": both are claims that a paired difference is ≤ 0, and
 * a claim is met only when the whole 95% interval is ≤ 0. An interval that straddles 0 is reported
 * as "not distinguishable", which does not meet the goal: with 5 seeds it means the benchmark
 * cannot tell, not that the contender is as good.
 */
final class DriftVerdict {
  /** The budget the goal is stated at: 85% of top-2's expert FLOPs, i.e. K = 1.7 per layer. */
  static final double K_TARGET = 1.7;

  /**
   * One answer.
   *
   * @param question what was asked
   * @param pass true / false, or null when it could not be answered
   * @param detail the numbers behind the answer
   */
  record Answer(String question, Boolean pass, String detail) {
    String mark() {
      return pass == null ? "n/a" : pass ? "yes" : "no";
    }
  }

  private DriftVerdict() {}

  static List<Answer> answers(DriftPreset preset, List<DriftSummary> all, long windowPeriod) {
    List<DriftSummary> members = DriftComparison.frontierMembers(all);
    Optional<DriftSummary> top2 = find(all, preset.top2());
    List<Answer> out = new ArrayList<>();
    Optional<DriftComparison> budget = Optional.empty();
    for (String name : List.of(DriftConfig.DYNMOE, DriftConfig.DYNMOE_BUDGET)) {
      Optional<DriftComparison> c =
          find(all, name).flatMap(s -> DriftComparison.of(s, members, top2));
      out.add(frontier(name, c, members));
      out.add(forgetting(name, c, preset, top2.isPresent()));
      if (name.equals(DriftConfig.DYNMOE_BUDGET)) {
        budget = c;
      }
    }
    for (String name : List.of(DriftConfig.DYNMOE, DriftConfig.DYNMOE_BUDGET)) {
      out.add(spawns(name, find(all, name), windowPeriod));
    }
    out.add(goal(budget, preset, top2.isPresent()));
    return out;
  }

  static Optional<DriftSummary> find(List<DriftSummary> all, String name) {
    return all.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /** "mean (95% CI lower to upper, n seeds)", in the units of the difference. */
  static String interval(DriftBootstrap.Interval i, int decimals) {
    if (i.n() == 0) {
      return "n/a";
    }
    String f = "%+." + decimals + "f";
    return String.format(
        Locale.ROOT,
        f + " (95%% CI " + f + " to " + f + ", %d seed%s)",
        i.mean(),
        i.lower(),
        i.upper(),
        i.n(),
        i.n() == 1 ? "" : "s");
  }

  /** Below / not distinguishable / above, for an interval of "contender minus reference". */
  static String reading(DriftBootstrap.Interval i, String below, String above) {
    if (i.n() < 2) {
      return i.n() == 0 ? "n/a" : "one seed: no interval";
    }
    return i.below() ? below : i.above() ? above : "not distinguishable";
  }

  private static Answer frontier(
      String name, Optional<DriftComparison> c, List<DriftSummary> members) {
    String q = name + ": overall loss on or below the grid's frontier at equal expert FLOPs?";
    if (c.isEmpty()) {
      return new Answer(q, null, "needs " + name + " and at least one top-k grid point");
    }
    DriftBootstrap.Interval i = c.get().frontier();
    String detail =
        "loss − frontier "
            + interval(i, 4)
            + " nats: "
            + reading(i, "below the frontier", "above the frontier")
            + "; frontier members "
            + String.join(", ", members.stream().map(DriftSummary::name).toList())
            + "; its expert FLOPs/token "
            + c.get().contender().flopsPerToken().format(0)
            + (c.get().outsideFrontier() ? " (outside the grid's FLOPs range: frontier flat)" : "");
    return new Answer(q, i.n() < 2 ? null : i.below(), detail);
  }

  private static Answer forgetting(
      String name, Optional<DriftComparison> c, DriftPreset preset, boolean hasTop2) {
    String q = name + ": forgetting no worse than top-2's (" + preset.top2() + ")?";
    if (c.isEmpty() || !hasTop2) {
      return new Answer(q, null, "needs " + name + " and " + preset.top2());
    }
    DriftBootstrap.Interval i = c.get().forgetting();
    String detail =
        "forgetting − top-2's "
            + interval(i, 4)
            + " nats: "
            + reading(i, "forgets less", "forgets more")
            + "; "
            + name
            + " "
            + c.get().contender().stat(DriftRunMetrics::forgetting).format(4);
    return new Answer(q, i.n() < 2 ? null : i.below(), detail);
  }

  private static Answer spawns(String name, Optional<DriftSummary> dyn, long period) {
    long span = 2 * period;
    String q =
        name
            + ": spawns within two recording windows ("
            + span
            + " steps) of a switch"
            + " more often than chance?";
    if (dyn.isEmpty()) {
      return new Answer(q, null, "needs " + name);
    }
    int switches = 0;
    int near = 0;
    double chance = 0;
    for (DriftRunMetrics m : dyn.get().metrics()) {
      switches += m.spawnNear().length;
      near += m.spawnsNearSwitches();
      chance += m.spawnChance() * m.spawnNear().length;
    }
    if (switches == 0) {
      return new Answer(q, null, "the stream has a single domain: no switch");
    }
    double p = chance / switches;
    double tail = DriftMetrics.binomialUpperTail(switches, near, p);
    String detail =
        String.format(
            Locale.ROOT,
            "%d of %d switches (%.0f%%) against %.0f%% by chance (a switch at a random step, the"
                + " runs' own spawn steps); P(≥ %d by chance) = %.3f",
            near,
            switches,
            100.0 * near / switches,
            100 * p,
            near,
            tail);
    return new Answer(q, tail < 0.05, detail);
  }

  private static Answer goal(Optional<DriftComparison> budget, DriftPreset preset, boolean top2) {
    String q =
        "Goal: DynMoE + budget at K = "
            + K_TARGET
            + " on or below the frontier at equal FLOPs, forgetting no worse than top-2's"
            + " (both 95% CIs of the paired differences ≤ 0)?";
    if (budget.isEmpty() || !top2) {
      return new Answer(
          q, null, "needs " + DriftConfig.DYNMOE_BUDGET + ", " + preset.top2() + " and the grid");
    }
    DriftComparison c = budget.get();
    if (c.frontier().n() < 2) {
      return new Answer(q, null, "one seed: no interval");
    }
    boolean onFrontier = c.frontier().below();
    boolean forgets = c.forgetting().below();
    String detail =
        (onFrontier && forgets ? "MET" : "NOT MET")
            + ": loss − frontier "
            + reading(c.frontier(), "below", "above")
            + " (upper end "
            + fixed(c.frontier().upper())
            + "), forgetting − top-2's "
            + reading(c.forgetting(), "less", "more")
            + " (upper end "
            + fixed(c.forgetting().upper())
            + "); expert FLOPs "
            + String.format(Locale.ROOT, "%.1f", 100 * c.flopsRatioToTop2())
            + "% of top-2's";
    return new Answer(q, onFrontier && forgets, detail);
  }

  private static String fixed(double v) {
    return String.format(Locale.ROOT, "%+.4f", v);
  }
}
