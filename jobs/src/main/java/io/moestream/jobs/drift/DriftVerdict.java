package io.moestream.jobs.drift;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The four questions the benchmark exists to answer about DynMoE against the top-k grid, each with
 * its numbers and, when it falls short, by how much. A question whose contenders were not run (a
 * {@code --configs} subset) is answered "n/a" rather than guessed.
 */
final class DriftVerdict {
  /** DynMoE's expert FLOPs per token may be at most this fraction of top-2's (E=8, k=2). */
  static final double FLOPS_LIMIT = 0.85;

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

  static List<Answer> answers(List<DriftSummary> all, long windowPeriod) {
    Optional<DriftSummary> dyn = find(all, DriftConfig.DYNMOE);
    List<DriftSummary> grid = all.stream().filter(s -> s.config().grid()).toList();
    List<Answer> out = new ArrayList<>();
    out.add(noWorseThanBest(dyn, grid));
    out.add(betterThanGridAverage(dyn, grid));
    out.add(cheaperThanTop2(dyn, find(all, DriftConfig.TOP2_REFERENCE)));
    out.add(spawnsAfterSwitches(dyn, windowPeriod));
    return out;
  }

  private static Optional<DriftSummary> find(List<DriftSummary> all, String name) {
    return all.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  private static Answer noWorseThanBest(Optional<DriftSummary> dyn, List<DriftSummary> grid) {
    String q = "Overall prequential loss no worse than the best grid point, within one std?";
    if (dyn.isEmpty() || grid.isEmpty()) {
      return new Answer(q, null, "needs dynmoe and at least one top-k grid point");
    }
    DriftSummary best =
        grid.stream().min(Comparator.comparingDouble(s -> s.overallLoss().mean())).orElseThrow();
    DriftSummary.Stat d = dyn.get().overallLoss();
    DriftSummary.Stat b = best.overallLoss();
    double gap = d.mean() - b.mean();
    double allowed = Math.max(d.std(), b.std());
    boolean pass = gap <= allowed;
    String detail =
        String.format(
            java.util.Locale.ROOT,
            "DynMoE %s vs best grid point %s %s: gap %+.4f, allowed ≤ %.4f (the larger std)",
            d.format(4),
            best.name(),
            b.format(4),
            gap,
            allowed);
    if (!pass) {
      detail += String.format(java.util.Locale.ROOT, "; short by %.4f nats", gap - allowed);
    }
    return new Answer(q, pass, detail);
  }

  private static Answer betterThanGridAverage(Optional<DriftSummary> dyn, List<DriftSummary> grid) {
    String q = "Overall prequential loss better than the grid average?";
    if (dyn.isEmpty() || grid.isEmpty()) {
      return new Answer(q, null, "needs dynmoe and at least one top-k grid point");
    }
    double avg = grid.stream().mapToDouble(s -> s.overallLoss().mean()).average().orElseThrow();
    double d = dyn.get().overallLoss().mean();
    String detail =
        String.format(
            java.util.Locale.ROOT,
            "DynMoE %.4f vs mean of %d grid points %.4f: difference %+.4f",
            d,
            grid.size(),
            avg,
            d - avg);
    return new Answer(q, d < avg, detail + (d < avg ? "" : " (DynMoE is worse by that much)"));
  }

  private static Answer cheaperThanTop2(Optional<DriftSummary> dyn, Optional<DriftSummary> top2) {
    String q =
        "Expert FLOPs/token ≤ "
            + Math.round(FLOPS_LIMIT * 100)
            + "% of top-2 ("
            + DriftConfig.TOP2_REFERENCE
            + ")?";
    if (dyn.isEmpty() || top2.isEmpty()) {
      return new Answer(q, null, "needs dynmoe and " + DriftConfig.TOP2_REFERENCE);
    }
    double d = dyn.get().flopsPerToken().mean();
    double t = top2.get().flopsPerToken().mean();
    double ratio = d / t;
    boolean pass = ratio <= FLOPS_LIMIT;
    String detail =
        String.format(
            java.util.Locale.ROOT,
            "DynMoE %s vs %s %s FLOPs/token: %.1f%% (limit %.0f%%)",
            dyn.get().flopsPerToken().format(0),
            DriftConfig.TOP2_REFERENCE,
            top2.get().flopsPerToken().format(0),
            100 * ratio,
            100 * FLOPS_LIMIT);
    if (!pass) {
      detail +=
          String.format(
              java.util.Locale.ROOT, "; over by %.1f points", 100 * (ratio - FLOPS_LIMIT));
    }
    return new Answer(q, pass, detail);
  }

  private static Answer spawnsAfterSwitches(Optional<DriftSummary> dyn, long period) {
    long limit = 2 * period;
    String q = "Spawns within two recording windows (" + limit + " steps) of every switch?";
    if (dyn.isEmpty()) {
      return new Answer(q, null, "needs dynmoe");
    }
    DriftRun first = dyn.get().runs().get(0);
    int[] switches = first.switchSteps();
    if (switches.length == 0) {
      return new Answer(q, null, "the stream has a single domain: no switch");
    }
    boolean pass = true;
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < switches.length; i++) {
      List<String> seeds = new ArrayList<>();
      for (DriftRunMetrics m : dyn.get().metrics()) {
        int delay = m.spawnDelay()[i];
        boolean ok = delay != DriftMetrics.NEVER && delay <= limit;
        pass &= ok;
        seeds.add(
            delay == DriftMetrics.NEVER
                ? "never"
                : ok ? "" + delay : delay + " (late by " + (delay - limit) + ")");
      }
      String domain = first.domainNames().get(first.domain()[switches[i]]);
      parts.add(domain + " @" + switches[i] + ": " + String.join(", ", seeds));
    }
    String detail = "first spawn, steps after the switch, per seed — " + String.join("; ", parts);
    return new Answer(q, pass, detail);
  }
}
