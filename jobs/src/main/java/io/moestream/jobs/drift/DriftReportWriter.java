package io.moestream.jobs.drift;

import io.moestream.jobs.cli.Format;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes {@code report.md}: the settings, the verdict, one table of prequential losses and one of
 * cost and routing behaviour (mean ± std over seeds), and the plots — what a reader needs to judge
 * the DynMoE-vs-grid claim without opening the raw files.
 */
final class DriftReportWriter {
  private DriftReportWriter() {}

  static void write(
      Path file,
      DriftSettings s,
      List<DriftSummary> summaries,
      List<DriftVerdict.Answer> verdict,
      List<String> plots,
      double totalSeconds,
      int parallel)
      throws IOException {
    DriftRun ref = summaries.get(0).runs().get(0);
    List<String> domains = ref.domainNames();
    int[] switches = ref.switchSteps();
    StringBuilder b = new StringBuilder();
    b.append("# Drift benchmark: DynMoE against a tuned top-k grid\n\n");
    b.append("Stream: ").append(String.join(" → ", domains));
    b.append(", the first ").append(s.tokensPerDomain()).append(" tokens of each, ");
    b.append(ref.steps()).append(" steps in all; domain switches at steps ");
    b.append(Format.ints(switches, ", ")).append(".\n\n");
    b.append("Model: d=").append(s.dModel()).append(", ").append(s.layers()).append(" layers, ");
    b.append(s.heads()).append(" heads, ctx ").append(s.ctx()).append(", expert hidden width ");
    b.append(s.ff()).append("; batch ").append(s.batch()).append(", AdamW lr ");
    b.append(s.learningRate()).append(". The dense baseline's FFN is ").append(2 * s.ff());
    b.append(" wide (2 × --ff), so its compute per token matches top-2's two active experts. ");
    b.append("DynMoE: E_init 4, E_max 16, recording window start ").append(s.window().start());
    b.append(", length ").append(s.window().length()).append(", period ");
    b.append(s.window().period()).append(", aux loss ").append(s.dynMoeAux().name().toLowerCase());
    b.append(" × ").append(s.dynMoeAuxWeight()).append(", spawn initialisation ");
    b.append(s.dynMoeSpawn().name().toLowerCase().replace('_', '-'));
    double minShare = s.dynMoeSpawnMinUnrouted();
    b.append(
        minShare == 0
            ? ", a spawn on any unrouted token"
            : ", a spawn only when at least "
                + Format.fixed(100 * minShare, 1)
                + "% of a window's tokens are unrouted");
    if (s.dynMoePruneMaxShare() > 0) {
      b.append(", a prune also when an expert holds under ")
          .append(Format.fixed(100 * s.dynMoePruneMaxShare(), 1))
          .append("% of a window's assignments");
    }
    if (s.dynMoeThresholdLrScale() != 1) {
      b.append(", thresholds learning at ").append(s.dynMoeThresholdLrScale()).append(" × lr");
    }
    b.append(". Seeds ").append(s.seeds());
    b.append(" (every configuration trains from each seed on the same batches). Total wall time ");
    b.append(Format.fixed(totalSeconds / 60, 1)).append(" min, ").append(parallel);
    if (parallel == 1) {
      b.append(" run at a time.\n\n");
    } else {
      b.append(" runs at a time (per-run wall times and tokens/s are measured while the others");
      b.append(" share the machine).\n\n");
    }
    b.append("Every number is mean ± sample std over seeds. *Prequential* loss: each batch is ");
    b.append("scored (next-token cross-entropy, nats) before the model trains on it. *Recovery*: ");
    b.append("steps after a switch until the mean of the last ");
    b.append(DriftMetrics.RUNNING_STEPS).append(" post-switch losses is within ");
    b.append(Math.round(DriftMetrics.RECOVERY_TOLERANCE * 100)).append("% of the mean of the ");
    b.append(DriftMetrics.PRE_SWITCH_STEPS).append(" steps before it (\"never\": not within ");
    b.append(
        "that domain). *Expert FLOPs/token*: counted (token, expert) pairs per token, summed ");
    b.append("over layers, × 4·d·ff.\n\n");
    b.append("## Verdict\n\n");
    for (DriftVerdict.Answer a : verdict) {
      b.append("- **").append(a.question()).append("** ").append(a.mark()).append(" — ");
      b.append(a.detail()).append('\n');
    }
    b.append("\n## Prequential loss\n\n| config | overall |");
    for (String d : domains) {
      b.append(' ').append(d).append(" |");
    }
    for (int i = 1; i < domains.size(); i++) {
      b.append(" recovery → ").append(domains.get(i)).append(" |");
    }
    b.append('\n').append(separator(1 + domains.size() * 2));
    for (DriftSummary sum : summaries) {
      b.append("| ").append(sum.name()).append(" | ").append(sum.overallLoss().format(4));
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
    b.append("\n## Cost and routing\n\n");
    b.append("Per-layer values are listed layer 0 / layer 1 / ...; active experts are the mean ");
    b.append("over the stream and, after the arrow, at the end.\n\n");
    b.append("| config | expert FLOPs/token | avg k per layer | active experts per layer ");
    b.append("| spawns | prunes | first spawn after switch (steps) | wall s | tokens/s |\n");
    b.append(separator(9));
    for (DriftSummary sum : summaries) {
      b.append("| ").append(sum.name());
      b.append(" | ").append(sum.flopsPerToken().format(0));
      b.append(" | ").append(sum.perLayer(DriftRunMetrics::avgK, 2));
      b.append(" | ").append(sum.perLayer(DriftRunMetrics::meanActive, 1)).append(" → ");
      b.append(sum.perLayer(m -> toDoubles(m.finalActive()), 1));
      b.append(" | ").append(sum.stat(DriftRunMetrics::spawns).format(1));
      b.append(" | ").append(sum.stat(DriftRunMetrics::prunes).format(1));
      b.append(" | ").append(spawnCells(sum, domains, switches.length));
      b.append(" | ").append(sum.stat(DriftRunMetrics::wallSeconds).format(1));
      b.append(" | ").append(sum.stat(DriftRunMetrics::tokensPerSecond).format(0));
      b.append(" |\n");
    }
    DriftSeedTable.append(b, summaries);
    appendUniformity(b, s, summaries);
    b.append("\n## Plots\n\n");
    for (String p : plots) {
      b.append("![").append(p).append("](").append(p).append(")\n\n");
    }
    b.append("Raw numbers: `results.csv` (config × seed × domain), `results.json` (all of it, ");
    b.append("per-step series, spawn/prune events and DynMoE's final gates included).\n");
    Files.writeString(file, b.toString(), StandardCharsets.UTF_8);
  }

  /**
   * EvoMoE's "expert uniformity": per configuration with at least two experts, the mean pairwise
   * cosine similarity of the experts' parameter vectors at the end of the stream, per layer.
   */
  private static void appendUniformity(
      StringBuilder b, DriftSettings s, List<DriftSummary> summaries) {
    List<DriftSummary> rows =
        summaries.stream()
            .filter(x -> Double.isFinite(x.metrics().get(0).meanUniformity()))
            .toList();
    if (rows.isEmpty()) {
      return;
    }
    b.append("\n## Expert uniformity\n\n");
    b.append("EvoMoE's \"expert uniformity\", measured on parameters: the mean over every pair ");
    b.append("of active experts of a layer of the cosine similarity of their flattened parameter ");
    b.append("vectors (W1, b1, W2, b2), at the end of the stream; 1 = identical experts. EvoMoE ");
    b.append("configurations: warm-up ").append(s.evoWarmup()).append(" steps, evolution ");
    b.append(s.evoEvolution()).append(" steps, then the DTR stage (modalities ");
    b.append(s.modalities().ids()).append(", everything else the shared default 0).\n\n");
    b.append("| config | uniformity per layer | mean over layers |\n").append(separator(3));
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

  private static String separator(int columns) {
    return "|" + " --- |".repeat(columns) + "\n";
  }
}
