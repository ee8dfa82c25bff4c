package io.moestream.jobs.drift;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes a drift run's report folder in one go: plots first (the report links them), then {@code
 * report.md}, {@code results.csv} and {@code results.json.gz}. The verdict is computed once here so
 * the Markdown and the JSON can never disagree.
 */
final class DriftReport {
  private DriftReport() {}

  /** Writes everything into {@code dir} (created if needed); returns the report's path. */
  static Path write(
      Path dir, DriftSettings s, List<DriftResults> results, double seconds, int parallel)
      throws IOException {
    Files.createDirectories(dir);
    Map<DriftPreset, List<DriftVerdict.Answer>> verdict = new LinkedHashMap<>();
    Map<DriftPreset, List<String>> plots = new LinkedHashMap<>();
    for (DriftResults r : results) {
      verdict.put(r.preset(), DriftVerdict.answers(r.preset(), r.summaries(), s.window().period()));
      List<String> files = new ArrayList<>(DriftFrontierPlots.write(r, dir));
      files.addAll(DriftLinePlots.write(r, dir));
      Optional<DriftSummary> dyn =
          DriftVerdict.find(r.summaries(), DriftConfig.DYNMOE).or(() -> firstDynMoe(r));
      if (dyn.isPresent()) {
        files.addAll(DriftGatePlots.write(dyn.get().runs().get(0), dir, r.preset().id() + "-"));
      }
      plots.put(r.preset(), files);
    }
    Path report = dir.resolve("report.md");
    DriftReportWriter.write(report, s, results, verdict, plots, seconds, parallel);
    DriftDataWriter.writeCsv(dir.resolve("results.csv"), results);
    DriftDataWriter.writeJson(
        dir.resolve("results.json.gz"), settings(s, results, seconds, parallel), results, verdict);
    return report;
  }

  private static Optional<DriftSummary> firstDynMoe(DriftResults r) {
    return r.summaries().stream().filter(x -> x.config().isDynMoe()).findFirst();
  }

  private static ObjectNode settings(
      DriftSettings s, List<DriftResults> results, double secs, int parallel) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode o = json.createObjectNode();
    DriftRun ref = results.get(0).reference();
    o.put("written_at", Instant.now().toString());
    o.set("presets", json.valueToTree(results.stream().map(r -> r.preset().id()).toList()));
    o.set("domains", json.valueToTree(ref.domainNames()));
    o.put("tokens_per_domain", s.tokensPerDomain());
    o.put("warm_up_tokens_per_domain", s.warmUpTokensPerDomain());
    o.put("held_out_tokens", s.heldOutTokens());
    o.put("steps", ref.steps());
    o.set("switch_steps", json.valueToTree(ref.switchSteps()));
    o.put("d", s.dModel());
    o.put("layers", s.layers());
    o.put("heads", s.heads());
    o.put("ctx", s.ctx());
    o.put("ff", s.ff());
    o.put("batch", s.batch());
    o.put("lr", s.learningRate());
    o.set("window", json.valueToTree(s.window()));
    o.put("dynmoe_aux", s.dynMoeAux().name().toLowerCase());
    o.put("dynmoe_aux_weight", s.dynMoeAuxWeight());
    o.put("dynmoe_spawn", s.dynMoeSpawn().name().toLowerCase());
    o.put("dynmoe_spawn_min_unrouted", s.dynMoeSpawnMinUnrouted());
    o.put("dynmoe_threshold_lr_scale", s.dynMoeThresholdLrScale());
    o.put("dynmoe_prune_max_share", s.dynMoePruneMaxShare());
    o.put("k_target", DriftVerdict.K_TARGET);
    o.set("seeds", json.valueToTree(s.seeds()));
    o.put("bootstrap_resamples", DriftBootstrap.RESAMPLES);
    o.put("bootstrap_seed", DriftBootstrap.SEED);
    o.put("bootstrap_level", DriftBootstrap.LEVEL);
    o.put("recovery_pre_switch_steps", DriftMetrics.PRE_SWITCH_STEPS);
    o.put("recovery_running_steps", DriftMetrics.RUNNING_STEPS);
    o.put("recovery_tolerance", DriftMetrics.RECOVERY_TOLERANCE);
    o.put("total_wall_s", secs);
    o.put("parallel_runs", parallel);
    return o;
  }
}
