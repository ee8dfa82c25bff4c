package io.moestream.jobs.drift;

import java.util.List;

/**
 * A preset's detail tables, as the first benchmark had them: prequential loss per domain with the
 * steps to recover after each switch, routing behaviour (average k, active experts, spawns and
 * prunes, first spawn after each switch), and EvoMoE's expert uniformity when EvoMoE ran.
 */
final class DriftRoutingTables {
  private DriftRoutingTables() {}

  static void append(StringBuilder b, DriftResults r) {
    DriftRun ref = r.reference();
    List<String> domains = ref.domainNames();
    int[] switches = ref.switchSteps();
    b.append("\n### Prequential loss per domain\n\n");
    b.append("*Recovery*: steps after a switch until the mean of the last ");
    b.append(DriftMetrics.RUNNING_STEPS).append(" post-switch losses is within ");
    b.append(Math.round(DriftMetrics.RECOVERY_TOLERANCE * 100)).append("% of the mean of the ");
    b.append(DriftMetrics.PRE_SWITCH_STEPS).append(" steps before it (\"never\": not within ");
    b.append("that domain).\n\n| config |");
    for (String d : domains) {
      b.append(' ').append(d).append(" |");
    }
    for (int i = 1; i < domains.size(); i++) {
      b.append(" recovery → ").append(domains.get(i)).append(" |");
    }
    b.append('\n').append(DriftReportWriter.separator(domains.size() * 2));
    for (DriftSummary sum : r.summaries()) {
      b.append("| ").append(sum.name());
      for (int d = 0; d < domains.size(); d++) {
        final int dd = d;
        b.append(" | ").append(sum.stat(m -> m.domainLoss()[dd]).format(4));
      }
      for (int i = 0; i < switches.length; i++) {
        final int ii = i;
        b.append(" | ").append(sum.delayCell(m -> m.recovery()[ii]));
      }
      b.append(" |\n");
    }
    b.append("\n### Routing\n\n");
    b.append("Per-layer values are listed layer 0 / layer 1 / ...; active experts are the mean ");
    b.append("over the stream and, after the arrow, at the end.\n\n");
    b.append("| config | avg k per layer | active experts per layer ");
    b.append("| first spawn after switch (steps) |\n").append(DriftReportWriter.separator(4));
    for (DriftSummary sum : r.summaries()) {
      b.append("| ").append(sum.name());
      b.append(" | ").append(sum.perLayer(DriftRunMetrics::avgK, 2));
      b.append(" | ").append(sum.perLayer(DriftRunMetrics::meanActive, 1)).append(" → ");
      b.append(sum.perLayer(m -> toDoubles(m.finalActive()), 1));
      b.append(" | ").append(spawnCells(sum, domains, switches.length)).append(" |\n");
    }
  }

  /**
   * EvoMoE's "expert uniformity": per configuration with at least two experts, the mean pairwise
   * cosine similarity of the experts' parameter vectors at the end of the stream, per layer.
   */
  static void appendUniformity(StringBuilder b, DriftSettings s, List<DriftSummary> summaries) {
    if (summaries.stream().noneMatch(x -> x.config().isEvoMoe())) {
      return;
    }
    List<DriftSummary> rows =
        summaries.stream()
            .filter(x -> Double.isFinite(x.metrics().get(0).meanUniformity()))
            .toList();
    b.append("\n### Expert uniformity\n\n");
    b.append("EvoMoE's \"expert uniformity\", measured on parameters: the mean over every pair ");
    b.append("of active experts of a layer of the cosine similarity of their flattened parameter ");
    b.append("vectors (W1, b1, W2, b2), at the end of the stream; 1 = identical experts. EvoMoE ");
    b.append("configurations: warm-up ").append(s.evoWarmup()).append(" steps, evolution ");
    b.append(s.evoEvolution()).append(" steps, then the DTR stage (modalities ");
    b.append(s.modalities().ids()).append(", everything else the shared default 0).\n\n");
    b.append("| config | uniformity per layer | mean over layers |\n");
    b.append(DriftReportWriter.separator(3));
    for (DriftSummary sum : rows) {
      b.append("| ").append(sum.name());
      b.append(" | ").append(sum.perLayer(DriftRunMetrics::uniformity, 4));
      b.append(" | ").append(sum.stat(DriftRunMetrics::meanUniformity).format(4)).append(" |\n");
    }
  }

  private static String spawnCells(DriftSummary sum, List<String> domains, int switches) {
    if (!sum.config().isDynMoe()) {
      return "–";
    }
    StringBuilder c = new StringBuilder();
    for (int i = 0; i < switches; i++) {
      final int ii = i;
      c.append(i == 0 ? "" : "; ").append(domains.get(i + 1)).append(": ");
      c.append(sum.delayCell(m -> m.spawnDelay()[ii]));
    }
    return c.toString();
  }

  private static double[] toDoubles(int[] xs) {
    double[] out = new double[xs.length];
    for (int i = 0; i < xs.length; i++) {
      out[i] = xs[i];
    }
    return out;
  }
}
