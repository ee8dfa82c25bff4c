package io.moestream.jobs.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moestream.jobs.MoeCli;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code bench drift}: that the pipeline runs end to end and writes a complete report (the {@code
 * --quick} run proves the plumbing, not the claim), and that the metric definitions the verdict
 * rests on are right on series small enough to check by hand.
 */
class BenchDriftTest {
  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  private static final List<String> PRESETS = List.of("scratch", "upcycled");
  private static final List<String> PLOTS =
      List.of(
          "frontier.png",
          "forgetting.png",
          "loss.png",
          "active-experts.png",
          "avg-k.png",
          "dynmoe-activation.png",
          "dynmoe-thresholds.png",
          "dynmoe-gate-cosine.png");
  private static final List<String> SCRATCH_QUICK =
      List.of(
          "dynmoe", "dynmoe-budget", "top-k-E4-k1", "top-k-E8-k2", "evomoe", "evomoe-replicated");
  private static final List<String> UPCYCLED_QUICK =
      List.of("dynmoe", "dynmoe-budget", "top-k-E4-k1", "top-k-E4-k2", "dense");
  private static final List<String> DOMAINS =
      List.of("english-prose", "source-code", "german-prose", "french-prose");

  @Test
  void quickRunWritesTheWholeReport(@TempDir Path out) throws Exception {
    StringWriter err = new StringWriter();
    CommandLine cli = MoeCli.newCommandLine();
    cli.setOut(new PrintWriter(new StringWriter(), true));
    cli.setErr(new PrintWriter(err, true));

    int exit =
        cli.execute(
            "bench", "drift", "--quick", "--presets", String.join(",", PRESETS), "--out", "" + out);

    assertThat(exit).as(err.toString()).isZero();
    int runs = (SCRATCH_QUICK.size() + UPCYCLED_QUICK.size()) * 2;
    assertThat(err.toString()).contains("[" + runs + "/" + runs + "] ");
    for (int seed = 1; seed <= 2; seed++) {
      for (String c : SCRATCH_QUICK) {
        assertThat(err.toString()).contains("] scratch " + c + " seed " + seed + ": loss");
      }
      for (String c : UPCYCLED_QUICK) {
        assertThat(err.toString()).contains("] upcycled " + c + " seed " + seed + ": loss");
      }
      assertThat(err.toString()).contains("[warm-up] seed " + seed + ": dense, 40 steps");
    }
    for (String f : List.of("report.md", "results.csv", "results.json.gz")) {
      assertThat(Files.size(out.resolve(f))).as(f).isPositive();
    }
    for (String preset : PRESETS) {
      for (String png : PLOTS) {
        assertValidPng(out.resolve(preset + "-" + png));
      }
    }
    try (var files = Files.list(out)) {
      assertThat(files.filter(f -> f.toString().endsWith(".png")).count())
          .isEqualTo(PLOTS.size() * PRESETS.size());
    }
    String report = Files.readString(out.resolve("report.md"), StandardCharsets.UTF_8);
    assertThat(report)
        .contains(
            "## Verdict",
            "### From scratch",
            "dynmoe: overall loss on or below the grid's frontier at equal expert FLOPs?",
            "dynmoe: forgetting no worse than top-2's (top-k-E8-k2)?",
            "dynmoe-budget: overall loss on or below the grid's frontier at equal expert FLOPs?",
            "### Upcycled from a dense warm-up",
            "dynmoe-budget: forgetting no worse than top-2's (top-k-E4-k2)?",
            "one dense warm-up per seed",
            "(upcycled-frontier.png)",
            "Goal: DynMoE + budget at K = 1.7",
            "### Loss against compute",
            "| top-k-E4-k1 | frontier member |",
            "### Paired comparisons",
            "### Forgetting",
            "### Spawns near switches",
            "(scratch-frontier.png)",
            "### Expert uniformity",
            "### Per seed",
            "| dynmoe | ");

    List<String> rows = Files.readAllLines(out.resolve("results.csv"), StandardCharsets.UTF_8);
    assertThat(rows.get(0)).startsWith("preset,config,seed,domain_index,domain,");
    Set<String> keys = new HashSet<>();
    for (String row : rows.subList(1, rows.size())) {
      String[] cells = row.split(",", -1);
      assertThat(cells).hasSize(rows.get(0).split(",").length);
      keys.add(cells[0] + "/" + cells[1] + "/" + cells[2] + "/" + cells[4]);
    }
    assertThat(rows).hasSize(1 + runs * DOMAINS.size());
    for (String d : DOMAINS) {
      for (String c : SCRATCH_QUICK) {
        assertThat(keys).contains("scratch/" + c + "/2/" + d);
      }
      for (String c : UPCYCLED_QUICK) {
        assertThat(keys).contains("upcycled/" + c + "/2/" + d);
      }
    }

    JsonNode json;
    try (var in = new GZIPInputStream(Files.newInputStream(out.resolve("results.json.gz")))) {
      json = new ObjectMapper().readTree(in);
    }
    JsonNode scratch = json.get("presets").get(0);
    assertThat(scratch.get("preset").asText()).isEqualTo("scratch");
    assertThat(scratch.get("configs")).hasSize(SCRATCH_QUICK.size());
    assertThat(scratch.get("verdict")).hasSize(7);
    JsonNode upcycled = json.get("presets").get(1);
    assertThat(upcycled.get("preset").asText()).isEqualTo("upcycled");
    assertThat(upcycled.get("configs")).hasSize(UPCYCLED_QUICK.size());
    assertThat(upcycled.get("verdict")).hasSize(7);
    assertThat(upcycled.get("warm_ups")).hasSize(2);
    // Upcycling keeps the function: on the first batch every upcycled configuration scores what
    // the dense warm-up model it copies scores (the upcycled dense is that model), far below a
    // model from scratch — except that plain DynMoE trains its k = 0 tokens on the residual path
    // alone (no fallback), so it only keeps the head start.
    for (int seed = 0; seed < 2; seed++) {
      double dense = firstLoss(config(upcycled, "dense"), seed);
      double scratchLoss = firstLoss(config(scratch, "top-k-E4-k1"), seed);
      assertThat(dense).isLessThan(scratchLoss - 0.5);
      for (String c : UPCYCLED_QUICK) {
        double first = firstLoss(config(upcycled, c), seed);
        if (c.equals("dynmoe")) {
          assertThat(first).isLessThan(scratchLoss - 0.5);
        } else {
          assertThat(first).as(c).isCloseTo(dense, within(5e-3));
        }
      }
    }
    JsonNode run = scratch.get("configs").get(0).get("runs").get(0);
    assertThat(run.get("series").get("prequential_loss")).hasSize(40);
    assertThat(run.get("final_gates")).hasSize(2);
    // held-out: scored after each domain for it and every earlier one, never for later ones
    JsonNode held = run.get("held_out_loss");
    assertThat(held).hasSize(4);
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 4; j++) {
        assertThat(held.get(i).get(j).isNull()).as("after %d, domain %d", i, j).isEqualTo(j > i);
      }
    }

    // EvoMoE: two stage changes (after warm-up's and evolution's last steps, --quick: 10 + 10),
    // and experts less uniform than the plain replicated ones, which stay identical (cosine 1).
    JsonNode evo = config(scratch, "evomoe").get("runs").get(0);
    assertThat(evo.get("events")).hasSize(2);
    assertThat(evo.get("events").get(0).get("kind").asText()).isEqualTo("stage_changed");
    assertThat(evo.get("events").get(0).get("stage").asText()).isEqualTo("EVOLUTION");
    assertThat(evo.get("events").get(0).get("step").asLong()).isEqualTo(9);
    assertThat(evo.get("events").get(1).get("stage").asText()).isEqualTo("DTR");
    assertThat(evo.get("events").get(1).get("step").asLong()).isEqualTo(19);
    JsonNode replicated = config(scratch, "evomoe-replicated").get("runs").get(0);
    for (int l = 0; l < 2; l++) {
      double evolved = evo.get("metrics").get("uniformity").get(l).asDouble();
      double copies = replicated.get("metrics").get("uniformity").get(l).asDouble();
      assertThat(copies).isCloseTo(1.0, within(1e-6));
      assertThat(evolved).as("layer %d", l).isLessThan(copies);
    }
  }

  private static double firstLoss(JsonNode config, int seedIndex) {
    return config
        .get("runs")
        .get(seedIndex)
        .get("series")
        .get("prequential_loss")
        .get(0)
        .asDouble();
  }

  private static JsonNode config(JsonNode json, String name) {
    for (JsonNode c : json.get("configs")) {
      if (c.get("name").asText().equals(name)) {
        return c;
      }
    }
    throw new AssertionError("no config " + name);
  }

  private static void assertValidPng(Path file) throws Exception {
    byte[] bytes = Files.readAllBytes(file);
    assertThat(bytes.length).as(file.toString()).isGreaterThan(PNG_SIGNATURE.length);
    assertThat(Arrays.copyOf(bytes, PNG_SIGNATURE.length))
        .as(file.toString())
        .isEqualTo(PNG_SIGNATURE);
    BufferedImage image = ImageIO.read(file.toFile());
    assertThat(image).as(file.toString()).isNotNull();
    assertThat(image.getWidth()).isPositive();
    assertThat(image.getHeight()).isPositive();
  }

  /**
   * Runs trained side by side must give the numbers a one-at-a-time run gives: each run owns its
   * trainer and random generator, and libtorch's thread setting is global, not per run.
   */
  @Test
  void parallelRunsGiveTheSameNumbersAsOneAtATime(@TempDir Path out) throws Exception {
    List<String> one = quickCsv(out.resolve("one"), "1");
    List<String> two = quickCsv(out.resolve("two"), "2");
    assertThat(one).hasSize(1 + 2 * 2 * 4);
    assertThat(two).containsExactlyElementsOf(one);
  }

  /**
   * results.csv of a quick upcycled run (warm-ups, export, upcycling, then DynMoE and top-1) from 2
   * seeds, without the timing columns.
   */
  private static List<String> quickCsv(Path out, String parallel) throws Exception {
    StringWriter err = new StringWriter();
    CommandLine cli = MoeCli.newCommandLine();
    cli.setOut(new PrintWriter(new StringWriter(), true));
    cli.setErr(new PrintWriter(err, true));
    int exit =
        cli.execute(
            "bench",
            "drift",
            "--quick",
            "--presets",
            "upcycled",
            "--configs",
            "dynmoe,top-k-E4-k1",
            "--seeds",
            "2",
            "--parallel",
            parallel,
            "--out",
            out.toString());
    assertThat(exit).as(err.toString()).isZero();
    assertThat(err.toString()).contains(parallel + " at a time");
    List<String> rows = Files.readAllLines(out.resolve("results.csv"), StandardCharsets.UTF_8);
    List<String> header = List.of(rows.get(0).split(","));
    int wall = header.indexOf("wall_s");
    int tps = header.indexOf("tokens_per_s");
    int cpu = header.indexOf("cpu_s");
    assertThat(wall).isPositive();
    assertThat(tps).isPositive();
    assertThat(cpu).isPositive();
    return rows.stream()
        .map(
            r -> {
              String[] c = r.split(",", -1);
              c[wall] = "";
              c[tps] = "";
              c[cpu] = "";
              return String.join(",", c);
            })
        .toList();
  }

  @Test
  void unknownConfigIsOneErrorLine(@TempDir Path out) {
    StringWriter err = new StringWriter();
    CommandLine cli = MoeCli.newCommandLine();
    cli.setErr(new PrintWriter(err, true));
    int exit =
        cli.execute("bench", "drift", "--quick", "--configs", "top-k-E3-k1", "--out", "" + out);
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).startsWith("error: unknown configuration 'top-k-E3-k1'");
  }

  @Test
  void configsAreSelectedCaseInsensitivelyInReportOrderPerPreset() {
    assertThat(DriftPreset.SCRATCH.all()).hasSize(19);
    for (DriftPreset p : DriftPreset.values()) {
      DriftConfig budget = p.select(List.of("dynmoe-budget")).get(0);
      assertThat(budget.budget()).isEqualTo(io.moestream.moe.config.KBudget.of(1.7));
      assertThat(budget.router())
          .isEqualTo(p.select(List.of("dynmoe")).get(0).router())
          .as("the budget is the only difference");
      assertThat(p.select(List.of("dynmoe")).get(0).budget().enabled()).isFalse();
    }
    assertThat(DriftPreset.SCRATCH.select(List.of("DENSE", "top-k-e8-k2", "dynmoe")))
        .extracting(DriftConfig::name)
        .containsExactly("dynmoe", "top-k-E8-k2", "dense");
    // the upcycled preset has no E = 8 grid: a name it lacks is simply not run there
    assertThat(DriftPreset.UPCYCLED.select(List.of("DENSE", "top-k-e8-k2", "dynmoe")))
        .extracting(DriftConfig::name)
        .containsExactly("dynmoe", "dense");
    assertThat(DriftPreset.UPCYCLED.select(List.of("dynmoe")).get(0).router().maxExperts())
        .isEqualTo(4);
    assertThatThrownBy(
            () -> DriftConfig.requireKnown(List.of("top-k"), List.of(DriftPreset.values())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("unknown configuration 'top-k'");
    // an E = 8 point is known to the scratch preset only
    assertThatThrownBy(
            () -> DriftConfig.requireKnown(List.of("top-k-E8-k1"), List.of(DriftPreset.UPCYCLED)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(DriftPreset.parse(List.of("upcycled", "SCRATCH", "upcycled")))
        .containsExactly(DriftPreset.SCRATCH, DriftPreset.UPCYCLED);
    assertThatThrownBy(() -> DriftPreset.parse(List.of("warm")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** 10 steps of noise (excluded), 20 at 1.0 (the pre-switch level), then the new domain. */
  private static double[] series(double... afterSwitch) {
    double[] s = new double[30 + afterSwitch.length];
    Arrays.fill(s, 0, 10, 9.0);
    Arrays.fill(s, 10, 30, 1.0);
    System.arraycopy(afterSwitch, 0, s, 30, afterSwitch.length);
    return s;
  }

  private static double[] repeat(double v, int n) {
    double[] a = new double[n];
    Arrays.fill(a, v);
    return a;
  }

  private static double[] concat(double[] a, double[] b) {
    double[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  @Test
  void recoveryNeedsTenPostSwitchStepsWithinTenPercent() {
    // 10 steps at 3.0, then 1.05: the first all-1.05 window ends at step 49 -> 20 steps.
    double[] loss = series(concat(repeat(3.0, 10), repeat(1.05, 40)));
    assertThat(DriftMetrics.recoverySteps(loss, 30, loss.length)).isEqualTo(20);
    // The search stops at the next switch.
    assertThat(DriftMetrics.recoverySteps(loss, 30, 45)).isEqualTo(DriftMetrics.NEVER);
    // 1.2 is 20% above the old level: never recovered.
    double[] worse = series(repeat(1.2, 50));
    assertThat(DriftMetrics.recoverySteps(worse, 30, worse.length)).isEqualTo(DriftMetrics.NEVER);
    // An easier domain counts as recovered as soon as a full running window exists.
    double[] easier = series(repeat(0.5, 50));
    assertThat(DriftMetrics.recoverySteps(easier, 30, easier.length))
        .isEqualTo(DriftMetrics.RUNNING_STEPS);
    // A skipped step (NaN) is ignored, not treated as a loss.
    double[] skipped = series(concat(repeat(1.0, 5), repeat(Double.NaN, 45)));
    skipped[36] = 1.0;
    assertThat(DriftMetrics.recoverySteps(skipped, 30, skipped.length)).isEqualTo(10);
  }

  @Test
  void spawnDelayIsTheFirstEventInsideTheDomain() {
    long[] spawns = {90, 47, 5, 42};
    assertThat(DriftMetrics.firstEventDelay(spawns, 40, 80)).isEqualTo(2);
    assertThat(DriftMetrics.firstEventDelay(spawns, 42, 80)).isZero();
    assertThat(DriftMetrics.firstEventDelay(spawns, 50, 80)).isEqualTo(DriftMetrics.NEVER);
    assertThat(DriftMetrics.firstEventDelay(spawns, 40, 42)).isEqualTo(DriftMetrics.NEVER);
    assertThat(DriftMetrics.firstEventDelay(new long[0], 0, 10)).isEqualTo(DriftMetrics.NEVER);
  }

  @Test
  void meansStdsAndSmoothingIgnoreNonFiniteValues() {
    assertThat(DriftMetrics.mean(new double[] {1, Double.NaN, 3})).isEqualTo(2.0);
    assertThat(DriftMetrics.std(new double[] {1, 3})).isCloseTo(Math.sqrt(2), within(1e-12));
    assertThat(DriftMetrics.std(new double[] {5})).isZero();
    assertThat(DriftMetrics.mean(new double[] {Double.NaN})).isNaN();
    assertThat(DriftMetrics.smooth(new double[] {2, 4, 6, 8}, 2)).containsExactly(2, 3, 5, 7);
    assertThat(DriftMetrics.meanOverRows(new double[][] {{1, 2}, {3, 6}})).containsExactly(2, 4);
  }
}
