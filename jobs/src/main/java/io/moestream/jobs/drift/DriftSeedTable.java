package io.moestream.jobs.drift;

import io.moestream.jobs.cli.Format;
import java.util.List;
import java.util.Optional;

/**
 * A preset's per-seed section: every configuration's overall prequential loss seed by seed and, for
 * the configurations that are not grid points, its loss minus that seed's frontier — the numbers
 * the bootstrap resamples. A wide interval that comes from one seed that broke away from the others
 * is visible here, not in a mean.
 */
final class DriftSeedTable {
  private DriftSeedTable() {}

  static void append(StringBuilder b, DriftResults r) {
    List<DriftSummary> all = r.summaries();
    List<DriftSummary> members = DriftComparison.frontierMembers(all);
    List<Long> seeds = all.get(0).seeds();
    b.append("\n### Per seed\n\n");
    b.append("Overall prequential loss of each seed; for the configurations that are not grid ");
    b.append("points, the loss minus that seed's frontier after the slash.\n\n| config |");
    for (long seed : seeds) {
      b.append(" seed ").append(seed).append(" |");
    }
    b.append('\n').append(DriftReportWriter.separator(1 + seeds.size()));
    for (DriftSummary sum : all) {
      Optional<DriftComparison> c =
          sum.config().grid()
              ? Optional.empty()
              : DriftComparison.of(sum, members, Optional.empty());
      b.append("| ").append(sum.name());
      for (int i = 0; i < sum.metrics().size(); i++) {
        b.append(" | ").append(Format.fixed(sum.metrics().get(i).overallLoss(), 4));
        if (c.isPresent()) {
          b.append(" / ")
              .append(
                  String.format(java.util.Locale.ROOT, "%+.4f", c.get().lossMinusFrontier()[i]));
        }
      }
      b.append(" |\n");
    }
  }
}
