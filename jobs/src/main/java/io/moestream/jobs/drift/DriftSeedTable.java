package io.moestream.jobs.drift;

import io.moestream.jobs.cli.Format;
import java.util.List;
import java.util.Optional;

/**
 * The report's per-seed section: every configuration's overall prequential loss seed by seed, and
 * its paired difference to DynMoE. Every configuration sees the same batches from the same seed, so
 * "DynMoE minus X on seed s" is the comparison a paired test would make; and a large std that comes
 * from one seed that broke away from the others is visible here, not in a mean.
 */
final class DriftSeedTable {
  private DriftSeedTable() {}

  static void append(StringBuilder b, List<DriftSummary> summaries) {
    Optional<DriftSummary> dyn =
        summaries.stream().filter(s -> s.name().equals(DriftConfig.DYNMOE)).findFirst();
    List<Long> seeds = summaries.get(0).runs().stream().map(DriftRun::seed).toList();
    b.append("\n## Per seed\n\n");
    b.append("Overall prequential loss of each seed");
    if (dyn.isPresent()) {
      b.append("; *paired Δ* = DynMoE − config on the same seed (same batches, same seed for ");
      b.append("the initialisation), mean ± std over seeds: negative means ");
      b.append("DynMoE is better. *DynMoE better on*: seeds where Δ < 0");
    }
    b.append(".\n\n| config |");
    for (long seed : seeds) {
      b.append(" seed ").append(seed).append(" |");
    }
    b.append(dyn.isPresent() ? " paired Δ | DynMoE better on |\n" : "\n");
    b.append("|").append(" --- |".repeat(1 + seeds.size() + (dyn.isPresent() ? 2 : 0)));
    b.append('\n');
    for (DriftSummary sum : summaries) {
      b.append("| ").append(sum.name());
      double[] loss = losses(sum);
      for (double v : loss) {
        b.append(" | ").append(Format.fixed(v, 4));
      }
      if (dyn.isPresent()) {
        double[] ref = losses(dyn.get());
        int n = Math.min(ref.length, loss.length);
        double[] delta = new double[n];
        int better = 0;
        for (int i = 0; i < n; i++) {
          delta[i] = ref[i] - loss[i];
          better += delta[i] < 0 ? 1 : 0;
        }
        boolean self = sum == dyn.get();
        b.append(" | ").append(self ? "–" : DriftSummary.Stat.of(delta).format(4));
        b.append(" | ").append(self ? "–" : better + " of " + n);
      }
      b.append(" |\n");
    }
  }

  private static double[] losses(DriftSummary sum) {
    return sum.metrics().stream().mapToDouble(DriftRunMetrics::overallLoss).toArray();
  }
}
