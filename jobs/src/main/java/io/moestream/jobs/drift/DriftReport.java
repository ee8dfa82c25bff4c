package io.moestream.jobs.drift;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Writes a drift run's report folder in one go: plots first (the report links them), then {@code
 * report.md}, {@code results.csv} and {@code results.json}. The verdict is computed once here so
 * the Markdown and the JSON can never disagree.
 */
final class DriftReport {
  private DriftReport() {}

  /** Writes everything into {@code dir} (created if needed); returns the report's path. */
  static Path write(
      Path dir, DriftSettings s, List<DriftSummary> summaries, double seconds, int parallel)
      throws IOException {
    Files.createDirectories(dir);
    List<DriftVerdict.Answer> verdict = DriftVerdict.answers(summaries, s.window().period());
    List<String> plots = new ArrayList<>(DriftLinePlots.write(summaries, dir));
    Optional<DriftSummary> dyn = summaries.stream().filter(x -> x.config().isDynMoe()).findFirst();
    if (dyn.isPresent()) {
      plots.addAll(DriftGatePlots.write(dyn.get().runs().get(0), dir));
    }
    Path report = dir.resolve("report.md");
    DriftReportWriter.write(report, s, summaries, verdict, plots, seconds, parallel);
    DriftDataWriter.writeCsv(dir.resolve("results.csv"), summaries);
    DriftDataWriter.writeJson(
        dir.resolve("results.json"), settings(s, summaries, seconds, parallel), summaries, verdict);
    return report;
  }

  private static ObjectNode settings(
      DriftSettings s, List<DriftSummary> summaries, double secs, int parallel) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode o = json.createObjectNode();
    DriftRun ref = summaries.get(0).runs().get(0);
    o.put("written_at", Instant.now().toString());
    o.set("domains", json.valueToTree(ref.domainNames()));
    o.put("tokens_per_domain", s.tokensPerDomain());
    o.put("steps", ref.steps());
    o.set("switch_steps", json.valueToTree(ref.switchSteps()));
    o.put("d", s.dModel());
    o.put("layers", s.layers());
    o.put("heads", s.heads());
    o.put("ctx", s.ctx());
    o.put("ff", s.ff());
    o.put("dense_ff", 2 * s.ff());
    o.put("batch", s.batch());
    o.put("lr", s.learningRate());
    o.set("window", json.valueToTree(s.window()));
    o.put("dynmoe_aux", s.dynMoeAux().name().toLowerCase());
    o.put("dynmoe_aux_weight", s.dynMoeAuxWeight());
    o.put("dynmoe_spawn", s.dynMoeSpawn().name().toLowerCase());
    o.put("dynmoe_spawn_min_unrouted", s.dynMoeSpawnMinUnrouted());
    o.put("dynmoe_threshold_lr_scale", s.dynMoeThresholdLrScale());
    o.put("dynmoe_prune_max_share", s.dynMoePruneMaxShare());
    o.set("seeds", json.valueToTree(s.seeds()));
    o.put("recovery_pre_switch_steps", DriftMetrics.PRE_SWITCH_STEPS);
    o.put("recovery_running_steps", DriftMetrics.RUNNING_STEPS);
    o.put("recovery_tolerance", DriftMetrics.RECOVERY_TOLERANCE);
    o.put("flops_limit_vs_top2", DriftVerdict.FLOPS_LIMIT);
    o.put("total_wall_s", secs);
    o.put("parallel_runs", parallel);
    return o;
  }
}
