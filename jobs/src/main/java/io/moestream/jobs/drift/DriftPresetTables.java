package io.moestream.jobs.drift;

import io.moestream.jobs.cli.Format;
import java.util.List;
import java.util.Optional;

/**
 * A preset's headline tables: every configuration's loss, cost and speed with its place against the
 * frontier; the paired comparisons (loss − frontier, forgetting − top-2's) of every configuration
 * that is not a grid point; forgetting after each switch; and spawns near switches against chance
 * for the DynMoE configurations.
 */
final class DriftPresetTables {
  private DriftPresetTables() {}

  static void append(StringBuilder b, DriftResults r, DriftSettings s) {
    List<DriftSummary> all = r.summaries();
    List<DriftSummary> members = DriftComparison.frontierMembers(all);
    Optional<DriftSummary> top2 = DriftVerdict.find(all, r.preset().top2());
    points(b, all, members);
    comparisons(b, all, members, top2, r.preset());
    forgetting(b, r);
    spawns(b, all);
  }

  private static void points(StringBuilder b, List<DriftSummary> all, List<DriftSummary> members) {
    b.append("\n### Loss against compute\n\n");
    b.append("| config | role | overall loss | expert FLOPs/token | train FLOPs/token ");
    b.append("| tokens/s | wall s | CPU s |\n").append(DriftReportWriter.separator(8));
    for (DriftSummary sum : all) {
      String role =
          members.contains(sum) ? "frontier member" : sum.config().grid() ? "grid" : "point";
      b.append("| ").append(sum.name()).append(" | ").append(role);
      b.append(" | ").append(sum.overallLoss().format(4));
      b.append(" | ").append(sum.flopsPerToken().format(0));
      b.append(" | ").append(sum.stat(DriftRunMetrics::totalFlopsPerToken).format(0));
      b.append(" | ").append(sum.stat(DriftRunMetrics::tokensPerSecond).format(0));
      b.append(" | ").append(sum.stat(DriftRunMetrics::wallSeconds).format(1));
      b.append(" | ").append(sum.stat(DriftRunMetrics::cpuSeconds).format(1)).append(" |\n");
    }
  }

  private static void comparisons(
      StringBuilder b,
      List<DriftSummary> all,
      List<DriftSummary> members,
      Optional<DriftSummary> top2,
      DriftPreset preset) {
    List<DriftSummary> points = all.stream().filter(x -> !x.config().grid()).toList();
    if (points.isEmpty() || members.isEmpty()) {
      return;
    }
    b.append("\n### Paired comparisons\n\n");
    b.append("Per seed, then a bootstrap over seeds. *Loss − frontier* < 0: better than the best ");
    b.append("fixed top-k at the same expert FLOPs. *Forgetting − top-2's* (")
        .append(preset.top2());
    b.append(") < 0: forgets less.\n\n");
    b.append("| config | expert FLOPs vs top-2 | loss − frontier | reading ");
    b.append("| forgetting − top-2's | reading |\n").append(DriftReportWriter.separator(6));
    for (DriftSummary p : points) {
      Optional<DriftComparison> c = DriftComparison.of(p, members, top2);
      if (c.isEmpty()) {
        continue;
      }
      DriftComparison x = c.get();
      b.append("| ").append(p.name());
      double ratio = x.flopsRatioToTop2();
      b.append(" | ").append(Double.isFinite(ratio) ? Format.fixed(100 * ratio, 1) + "%" : "n/a");
      b.append(" | ").append(DriftVerdict.interval(x.frontier(), 4));
      b.append(x.outsideFrontier() ? " (outside the grid's range)" : "");
      b.append(" | ").append(DriftVerdict.reading(x.frontier(), "below", "above"));
      b.append(" | ").append(DriftVerdict.interval(x.forgetting(), 4));
      b.append(" | ").append(DriftVerdict.reading(x.forgetting(), "less", "more")).append(" |\n");
    }
  }

  private static void forgetting(StringBuilder b, DriftResults r) {
    DriftRun ref = r.reference();
    List<String> domains = ref.domainNames();
    int switches = ref.switchSteps().length;
    if (switches == 0) {
      return;
    }
    b.append("\n### Forgetting\n\n");
    b.append("*After X*: forgetting of the domains before X once X has been trained on (the ");
    b.append("last is the run's forgetting). *Held-out loss*: each domain's held-out loss right ");
    b.append("after its own training → at the end of the stream.\n\n| config |");
    for (int i = 1; i <= switches; i++) {
      b.append(" after ").append(domains.get(i)).append(" |");
    }
    for (String d : domains) {
      b.append(" held-out ").append(d).append(" |");
    }
    b.append('\n').append(DriftReportWriter.separator(1 + switches + domains.size()));
    for (DriftSummary sum : r.summaries()) {
      b.append("| ").append(sum.name());
      for (int i = 0; i < switches; i++) {
        final int ii = i;
        b.append(" | ").append(sum.stat(m -> m.forgettingAfter()[ii]).format(4));
      }
      int last = domains.size() - 1;
      for (int d = 0; d < domains.size(); d++) {
        final int dd = d;
        b.append(" | ").append(Format.fixed(meanHeld(sum, dd, dd), 3)).append(" → ");
        b.append(Format.fixed(meanHeld(sum, last, dd), 3));
      }
      b.append(" |\n");
    }
  }

  private static double meanHeld(DriftSummary sum, int after, int domain) {
    return DriftMetrics.mean(
        sum.runs().stream().mapToDouble(run -> run.heldOut()[after][domain]).toArray());
  }

  private static void spawns(StringBuilder b, List<DriftSummary> all) {
    List<DriftSummary> dyn = all.stream().filter(x -> x.config().isDynMoe()).toList();
    if (dyn.isEmpty() || dyn.get(0).metrics().get(0).spawnNear().length == 0) {
      return;
    }
    b.append("\n### Spawns near switches\n\n");
    b.append("| config | switches with a spawn within two windows | by chance | spawns | prunes ");
    b.append("|\n").append(DriftReportWriter.separator(5));
    for (DriftSummary sum : dyn) {
      int near = 0;
      int switches = 0;
      for (DriftRunMetrics m : sum.metrics()) {
        near += m.spawnsNearSwitches();
        switches += m.spawnNear().length;
      }
      b.append("| ").append(sum.name());
      b.append(" | ").append(near).append(" of ").append(switches);
      b.append(" (").append(Format.fixed(100.0 * near / switches, 0)).append("%)");
      b.append(" | ").append(Format.fixed(100 * sum.stat(DriftRunMetrics::spawnChance).mean(), 0));
      b.append("% | ").append(sum.stat(DriftRunMetrics::spawns).format(1));
      b.append(" | ").append(sum.stat(DriftRunMetrics::prunes).format(1)).append(" |\n");
    }
  }
}
