package io.moestream.jobs.drift;

import io.moestream.jobs.cli.Format;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes {@code report.md}: the settings and definitions, the verdict per preset, then per preset
 * the frontier and the paired comparisons, forgetting, spawns near switches, losses per domain,
 * cost and routing, the per-seed numbers and the plots — what a reader needs to judge the claim
 * without opening the raw files.
 */
final class DriftReportWriter {
  private DriftReportWriter() {}

  static void write(
      Path file,
      DriftSettings s,
      List<DriftResults> results,
      Map<DriftPreset, List<DriftVerdict.Answer>> verdict,
      Map<DriftPreset, List<String>> plots,
      double totalSeconds,
      int parallel)
      throws IOException {
    StringBuilder b = new StringBuilder();
    b.append("# Drift benchmark v2: adaptive routers against the top-k frontier\n\n");
    settings(b, s, results, totalSeconds, parallel);
    definitions(b, s);
    b.append("## Verdict\n");
    for (DriftResults r : results) {
      b.append("\n### ").append(capital(r.preset().title())).append("\n\n");
      for (DriftVerdict.Answer a : verdict.get(r.preset())) {
        b.append("- **").append(a.question()).append("** ").append(a.mark()).append(" — ");
        b.append(a.detail()).append('\n');
      }
    }
    for (DriftResults r : results) {
      b.append("\n## ").append(capital(r.preset().title())).append('\n');
      DriftPresetTables.append(b, r, s);
      DriftRoutingTables.append(b, r);
      DriftSeedTable.append(b, r);
      DriftRoutingTables.appendUniformity(b, s, r.summaries());
      b.append("\n### Plots\n\n");
      for (String p : plots.get(r.preset())) {
        b.append("![").append(p).append("](").append(p).append(")\n\n");
      }
    }
    b.append("Raw numbers: `results.csv` (preset × config × seed × domain), `results.json.gz` ");
    b.append("(all of it: per-step series, held-out matrices, spawn/prune events, DynMoE's final ");
    b.append("gates, the warm-ups).\n");
    Files.writeString(file, b.toString(), StandardCharsets.UTF_8);
  }

  private static void settings(
      StringBuilder b, DriftSettings s, List<DriftResults> results, double secs, int parallel) {
    DriftRun ref = results.get(0).reference();
    b.append("Stream: ").append(String.join(" → ", ref.domainNames()));
    b.append(", the first ").append(s.tokensPerDomain()).append(" tokens of each, ");
    b.append(ref.steps()).append(" steps in all; domain switches at steps ");
    b.append(Format.ints(ref.switchSteps(), ", ")).append(". Held out: the last ");
    b.append(s.heldOutTokens()).append(" tokens of each domain, never trained on.\n\n");
    b.append("Model: d=").append(s.dModel()).append(", ").append(s.layers()).append(" layers, ");
    b.append(s.heads()).append(" heads, ctx ").append(s.ctx()).append(", expert hidden width ");
    b.append(s.ff()).append("; batch ").append(s.batch()).append(", AdamW lr ");
    b.append(s.learningRate()).append(" for every configuration. DynMoE: recording window start ");
    b.append(s.window().start()).append(", length ").append(s.window().length());
    b.append(", period ").append(s.window().period()).append(", aux loss ");
    b.append(s.dynMoeAux().name().toLowerCase()).append(" × ").append(s.dynMoeAuxWeight());
    b.append(", spawn initialisation ");
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
    b.append(". DynMoE + budget: the same with every layer's average k held near K = ");
    b.append(DriftVerdict.K_TARGET).append(".\n\n");
    for (DriftResults r : results) {
      b.append("- **").append(capital(r.preset().title())).append("**: ");
      if (r.preset().upcycled()) {
        DriftWarmUp.Result w0 = r.warmUps().get(0);
        b.append("one dense warm-up per seed (FFN ").append(s.ff()).append(" wide, ");
        b.append(w0.steps()).append(" steps on ").append(s.warmUpTokensPerDomain());
        b.append(" tokens of each domain right after the stream's, domains interleaved; last ");
        b.append("loss ").append(stat(r, DriftWarmUp.Result::lastLoss, 4)).append(", ");
        b.append(stat(r, w -> w.wallNanos() / 1e9, 1)).append(" s each), exported with the ");
        b.append("library's snapshot writer; every configuration of the seed is upcycled from ");
        b.append("that directory (each expert slot a copy of the dense FFN, a fresh optimizer). ");
        b.append("The warm-ups' compute, ");
        b.append(Format.fixed(r.warmUpFlops() / 1e12, 3)).append(" TFLOPs for ");
        b.append(r.warmUps().size()).append(" seeds (");
        b.append(Format.fixed(r.warmUpFlops() / r.warmUps().size() / 1e12, 3));
        b.append(" per seed), is counted once for all configurations and not in the per-token ");
        b.append("figures below.\n");
      } else {
        b.append("every configuration from random weights.\n");
      }
    }
    double cpu = 0;
    for (DriftResults r : results) {
      for (DriftSummary sum : r.summaries()) {
        cpu += sum.metrics().stream().mapToDouble(DriftRunMetrics::cpuSeconds).sum();
      }
      cpu += r.warmUps().stream().mapToDouble(w -> w.cpuNanos() / 1e9).sum();
    }
    b.append("\nSeeds ").append(s.seeds());
    b.append(" (every configuration trains from each seed on the same batches). The runs' CPU ");
    b.append("time adds up to ").append(Format.fixed(cpu / 60, 1)).append(" min. Total wall time ");
    b.append(Format.fixed(secs / 60, 1)).append(" min, ").append(parallel);
    b.append(parallel == 1 ? " run at a time" : " runs at a time (per-run wall times and tokens/s");
    b.append(parallel == 1 ? ".\n\n" : " are measured while the others share the machine).\n\n");
  }

  private static double[] values(
      DriftResults r, java.util.function.ToDoubleFunction<DriftWarmUp.Result> f) {
    return r.warmUps().stream().mapToDouble(f).toArray();
  }

  private static String stat(
      DriftResults r, java.util.function.ToDoubleFunction<DriftWarmUp.Result> f, int decimals) {
    return DriftSummary.Stat.of(values(r, f)).format(decimals);
  }

  private static void definitions(StringBuilder b, DriftSettings s) {
    b.append("Every ± is a sample std over seeds. *Prequential* loss: each batch is scored ");
    b.append("(next-token cross-entropy, nats) before the model trains on it. *Expert ");
    b.append("FLOPs/token*: counted (token, expert) pairs per token, summed over layers, × ");
    b.append("4·d·ff. *Train FLOPs/token*: 3 × the forward count, attention included — per ");
    b.append("layer 2·(4·d² + 2·ctx·d) for the projections and the scores, plus the experts' ");
    b.append("2·pairs·2·d·ff and the tied output head's 2·d·V (layer norms, softmaxes and the ");
    b.append("router's small matmul left out). *Frontier*: the grid's lower envelope through its ");
    b.append("seed-mean points, linear in log(FLOPs) between members and flat outside them; per ");
    b.append("seed, the same members' losses on that seed. *Loss − frontier*: per seed, a ");
    b.append("configuration's overall loss minus that seed's frontier at the configuration's own ");
    b.append("expert FLOPs; the interval is a percentile bootstrap over seeds (");
    b.append(DriftBootstrap.RESAMPLES).append(" resamples, generator seed ");
    b.append(DriftBootstrap.SEED).append(", ").append(Math.round(100 * DriftBootstrap.LEVEL));
    b.append("%). *Forgetting*: the held-out slice of every domain is scored (inference mode) ");
    b.append("after the last step of that domain and of every later one; forgetting is the mean ");
    b.append("rise of the earlier domains' held-out loss from the end of their own training to ");
    b.append("the end of the stream (backward transfer, sign turned: positive = forgotten). ");
    b.append("*Spawn near a switch*: a spawn within ").append(2 * s.window().period());
    b.append(" steps (two recording periods) after it; *by chance*: the share of all start steps ");
    b.append("whose window of that length holds one of the run's spawns. A claim \"≤ 0\" is met ");
    b.append("only when the whole interval is ≤ 0; an interval across 0 reads \"not ");
    b.append("distinguishable\".\n\n");
  }

  static String capital(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  static String separator(int columns) {
    return "|" + " --- |".repeat(columns) + "\n";
  }
}
