package io.moestream.jobs.drift;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moestream.moe.lifecycle.ExpertChange;
import io.moestream.moe.train.GateView;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * The raw numbers behind the report: {@code results.csv} (one row per preset × configuration × seed
 * × domain, for a spreadsheet or pandas) and {@code results.json.gz} (everything, per-step series
 * and held-out matrices included, so any plot or metric can be redone without re-training; gzipped
 * because the series of 90 runs are tens of megabytes of text).
 */
final class DriftDataWriter {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CSV_HEADER =
      "preset,config,seed,domain_index,domain,steps,tokens,prequential_loss,"
          + "expert_flops_per_token,avg_k,recovery_steps,first_spawn_delay,held_out_loss_after_own,"
          + "held_out_loss_at_end,overall_loss,overall_expert_flops_per_token,"
          + "train_flops_per_token,forgetting,spawns,prunes,wall_s,cpu_s,tokens_per_s,expert_uniformity";

  private DriftDataWriter() {}

  static void writeCsv(Path file, List<DriftResults> results) throws IOException {
    StringBuilder b = new StringBuilder(CSV_HEADER).append('\n');
    for (DriftResults r : results) {
      for (DriftSummary s : r.summaries()) {
        appendRows(b, r.preset(), s);
      }
    }
    Files.writeString(file, b.toString(), StandardCharsets.UTF_8);
  }

  private static void appendRows(StringBuilder b, DriftPreset preset, DriftSummary s) {
    for (int i = 0; i < s.runs().size(); i++) {
      DriftRun run = s.runs().get(i);
      DriftRunMetrics m = s.metrics().get(i);
      for (int d = 0; d < run.domainNames().size(); d++) {
        int[] range = run.domainRange(d);
        long tokens = 0;
        for (int t = range[0]; t < range[1]; t++) {
          tokens += run.tokens()[t];
        }
        String recovery = d == 0 ? "" : delay(m.recovery()[d - 1]);
        String spawn = d == 0 || !s.config().isDynMoe() ? "" : delay(m.spawnDelay()[d - 1]);
        double[][] held = run.heldOut();
        b.append(
                String.join(
                    ",",
                    preset.id(),
                    s.name(),
                    Long.toString(run.seed()),
                    Integer.toString(d),
                    run.domainNames().get(d),
                    Integer.toString(range[1] - range[0]),
                    Long.toString(tokens),
                    num(m.domainLoss()[d]),
                    num(m.domainFlopsPerToken()[d]),
                    num(m.domainAvgK()[d]),
                    recovery,
                    spawn,
                    num(held[d][d]),
                    num(held[held.length - 1][d]),
                    num(m.overallLoss()),
                    num(m.flopsPerToken()),
                    num(m.totalFlopsPerToken()),
                    num(m.forgetting()),
                    Integer.toString(m.spawns()),
                    Integer.toString(m.prunes()),
                    num(m.wallSeconds()),
                    num(m.cpuSeconds()),
                    num(m.tokensPerSecond()),
                    num(m.meanUniformity())))
            .append('\n');
      }
    }
  }

  /** NaN (a domain not yet trained on) as JSON null, which Jackson would write as "NaN". */
  private static Double[][] nullable(double[][] m) {
    Double[][] out = new Double[m.length][];
    for (int i = 0; i < m.length; i++) {
      out[i] = new Double[m[i].length];
      for (int j = 0; j < m[i].length; j++) {
        out[i][j] = Double.isFinite(m[i][j]) ? m[i][j] : null;
      }
    }
    return out;
  }

  private static String delay(int steps) {
    return steps == DriftMetrics.NEVER ? "never" : Integer.toString(steps);
  }

  private static String num(double v) {
    return Double.isFinite(v) ? Double.toString(v) : "";
  }

  static void writeJson(
      Path file,
      ObjectNode settings,
      List<DriftResults> results,
      Map<DriftPreset, List<DriftVerdict.Answer>> verdict)
      throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.set("settings", settings);
    ArrayNode presets = root.putArray("presets");
    for (DriftResults r : results) {
      ObjectNode p = presets.addObject();
      p.put("preset", r.preset().id());
      answers(p.putArray("verdict"), verdict.get(r.preset()));
      ArrayNode warm = p.putArray("warm_ups");
      for (DriftWarmUp.Result w : r.warmUps()) {
        ObjectNode o = warm.addObject();
        o.put("seed", w.seed());
        o.put("steps", w.steps());
        o.put("tokens", w.tokens());
        o.put("train_flops_per_token", w.trainFlopsPerToken());
        o.put("last_loss", w.lastLoss());
        o.put("wall_s", w.wallNanos() / 1e9);
        o.put("cpu_s", w.cpuNanos() / 1e9);
      }
      configs(p.putArray("configs"), r.summaries());
    }
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      JSON.writeValue(out, root);
    }
  }

  private static void answers(ArrayNode answers, List<DriftVerdict.Answer> verdict) {
    for (DriftVerdict.Answer a : verdict) {
      ObjectNode o = answers.addObject();
      o.put("question", a.question());
      if (a.pass() == null) {
        o.putNull("pass");
      } else {
        o.put("pass", a.pass());
      }
      o.put("detail", a.detail());
    }
  }

  private static void configs(ArrayNode configs, List<DriftSummary> summaries) {
    for (DriftSummary s : summaries) {
      ObjectNode c = configs.addObject();
      c.put("name", s.name());
      c.put("grid", s.config().grid());
      c.set("router", JSON.valueToTree(s.config().router()));
      c.put("expert_hidden_width", s.runs().get(0).model().dFf());
      c.set("overall_loss", JSON.valueToTree(s.overallLoss()));
      c.set("expert_flops_per_token", JSON.valueToTree(s.flopsPerToken()));
      ArrayNode runs = c.putArray("runs");
      for (int i = 0; i < s.runs().size(); i++) {
        runs.add(run(s.runs().get(i), s.metrics().get(i)));
      }
    }
  }

  private static ObjectNode run(DriftRun run, DriftRunMetrics metrics) {
    ObjectNode o = JSON.createObjectNode();
    o.put("seed", run.seed());
    o.set("switch_steps", JSON.valueToTree(run.switchSteps()));
    o.set("metrics", JSON.valueToTree(metrics));
    ObjectNode series = o.putObject("series");
    series.set("prequential_loss", JSON.valueToTree(run.loss()));
    series.set("domain", JSON.valueToTree(run.domain()));
    series.set("tokens", JSON.valueToTree(run.tokens()));
    series.set("expert_pairs", JSON.valueToTree(run.expertPairs()));
    series.set("avg_k", JSON.valueToTree(run.avgK()));
    series.set("active_experts", JSON.valueToTree(run.active()));
    series.set("expert_tokens", JSON.valueToTree(run.expertTokens()));
    o.set("held_out_loss", JSON.valueToTree(nullable(run.heldOut())));
    ArrayNode events = o.putArray("events");
    for (ExpertChange c : run.changes()) {
      ObjectNode e = events.addObject();
      e.put("step", c.step());
      e.put("layer", c.layer());
      e.put("slot", c.slot());
      e.put("kind", c.kind().name().toLowerCase(java.util.Locale.ROOT));
      e.put("active_after", c.activeAfter());
      e.put("window_tokens", c.windowTokens());
      e.put("unrouted_tokens", c.unroutedTokens());
      e.put("initialised_from", c.initialisedFrom());
      if (!c.stage().isEmpty()) {
        e.put("stage", c.stage());
      }
    }
    ArrayNode gates = o.putArray("final_gates");
    for (GateView g : run.gates()) {
      ObjectNode n = gates.addObject();
      n.put("layer", g.layer());
      n.set("active", JSON.valueToTree(g.active()));
      n.set("thresholds_raw", JSON.valueToTree(g.thresholds()));
      n.set("thresholds_sigmoid", JSON.valueToTree(DriftGatePlots.sigmoid(g.thresholds())));
      n.set("sim_matrix", JSON.valueToTree(g.simMatrix()));
    }
    return o;
  }
}
