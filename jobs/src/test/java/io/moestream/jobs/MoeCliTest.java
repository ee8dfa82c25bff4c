package io.moestream.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line as scripts see it: exit codes, one-line errors, and the JSON / digest output
 * other tools parse. Models are tiny so the whole class runs in seconds.
 */
class MoeCliTest {
  private static final Path CASE =
      Path.of(
          "../operators/moe-core/src/test/resources/conformance/dynmoe/basic-f64-deepspeed.json");
  private static final String[] TINY = {
    "--d", "32", "--ctx", "16", "--batch", "2", "--emax", "4", "--experts", "2"
  };

  private static CliRun run(String... args) {
    return CliRun.of(args);
  }

  private static String[] concat(String[] a, String... b) {
    String[] all = new String[a.length + b.length];
    System.arraycopy(b, 0, all, 0, b.length);
    System.arraycopy(a, 0, all, b.length, a.length);
    return all;
  }

  private static void assertOneErrorLine(CliRun r) {
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).startsWith("error: ").doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  void helpListsEverySubcommand() {
    CliRun r = run("--help");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("train-local", "reference-check", "bench", "demo");
  }

  @Test
  void subcommandHelpShowsDefaults() {
    CliRun r = run("bench", "train", "--help");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("--warmup", "(default: 5)", "--router", "(default: dynmoe)");
  }

  @Test
  void badRouterIsOneErrorLineAndExit2() {
    CliRun r = run("train-local", "--router", "bogus");
    assertOneErrorLine(r);
    // The option and what it accepts, never the value itself (values may be secrets).
    assertThat(r.err()).contains("--router", "dynmoe").doesNotContain("bogus");
  }

  @Test
  void configRecordRejectionIsOneErrorLine() {
    CliRun r = run("train-local", "--d", "30", "--steps", "1"); // 4 heads do not divide 30
    assertOneErrorLine(r);
    assertThat(r.err()).contains("heads must divide d");
  }

  @Test
  void missingCorpusFileIsOneErrorLine() {
    CliRun r = run("train-local", "--corpus", "no-such-file.txt");
    assertOneErrorLine(r);
    assertThat(r.err()).contains("no-such-file.txt");
  }

  @Test
  void referenceCheckPassesOnABundledCase() {
    CliRun r = run("reference-check", "--case", CASE.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("\"passed\":true").doesNotContain("\"passed\":false");
    assertThat(r.out()).contains("\"case\":\"basic-f64-deepspeed\"", "\"max_abs_error\"");
  }

  @Test
  void referenceCheckFailsOnATamperedCase(@TempDir Path dir) throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode c = json.readTree(CASE.toFile());
    ArrayNode row = (ArrayNode) c.get("train_forward").get("y").get(0);
    row.set(0, row.get(0).asDouble() + 0.5);
    Path tampered = dir.resolve("tampered.json");
    json.writeValue(tampered.toFile(), c);

    CliRun r = run("reference-check", "--case", tampered.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).contains("\"passed\":false", "train_forward.y");
  }

  @Test
  void unreadableCaseExits2(@TempDir Path dir) throws Exception {
    Path broken = dir.resolve("broken.json");
    Files.writeString(broken, "{ not json");
    assertOneErrorLine(run("reference-check", "--case", broken.toString()));
    assertOneErrorLine(run("reference-check", "--case", dir.resolve("absent.json").toString()));
  }

  @Test
  void trainLocalRunsAndPrintsADigest() {
    CliRun r = run(concat(TINY, "train-local", "--steps", "3"));
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).containsPattern("digest: +[0-9a-f]{64}");
    assertThat(r.out()).contains("english-prose", "steps:            3");
  }

  @Test
  void trainLocalTrainsDynMoeUnderABudgetWithTheDefaultModel(@TempDir Path dir) throws Exception {
    // the CLI's default model flags (dynmoe 4/16), the budget with its training fallback and a
    // straight-through k: every token runs at least one expert, so every layer's k is >= 1
    Path steps = dir.resolve("steps.jsonl");
    CliRun r =
        run(
            "train-local",
            "--no-progress",
            "--steps",
            "3",
            "--k-target",
            "1.7",
            "--straight-through-k",
            "--json-out",
            steps.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).containsPattern("digest: +[0-9a-f]{64}");
    ObjectMapper json = new ObjectMapper();
    java.util.List<String> lines = Files.readAllLines(steps);
    assertThat(lines).hasSize(3);
    for (String line : lines) {
      for (JsonNode k : json.readTree(line).get("avg_k")) {
        assertThat(k.asDouble()).isBetween(1.0, 4.0);
      }
    }
  }

  @Test
  void trainLocalStopsWhenTheCorpusRunsOut(@TempDir Path dir) throws Exception {
    Path text = dir.resolve("tiny.txt");
    Files.writeString(text, "the quick brown fox jumps over the lazy dog. ".repeat(4)); // 180 B
    Path steps = dir.resolve("steps.jsonl");
    CliRun r =
        run(
            concat(
                TINY,
                "train-local",
                "--no-progress",
                "--steps",
                "50",
                "--corpus",
                text.toString(),
                "--json",
                steps.toString()));
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("corpus exhausted after 5 of 50 steps");
    assertThat(Files.readAllLines(steps))
        .hasSize(5)
        .allMatch(l -> l.contains("\"domain\":\"tiny\""));
  }

  @Test
  void benchTrainPrintsOneJsonLine() throws Exception {
    CliRun r = run(concat(TINY, "bench", "train", "--steps", "12", "--warmup", "2"));
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out().strip().lines()).hasSize(1);
    JsonNode o = new ObjectMapper().readTree(r.out());
    assertThat(o.get("tokens_per_s").asDouble()).isPositive();
    assertThat(o.get("model_flops_per_token").asDouble()).isPositive();
    assertThat(o.get("sgemm_gflops").asDouble()).isPositive();
    assertThat(o.get("expert_matmul").get("routed_pairs").asLong()).isPositive();
    assertThat(o.get("rss_mb_at_1000").isNull()).isTrue();
    // 10 timed steps: one a tenth, each with its time and the memory after it
    JsonNode run = o.get("over_the_run");
    assertThat(run.get("ms_per_step")).hasSize(10).allMatch(v -> v.asDouble() > 0);
    assertThat(run.get("rss_mb")).hasSize(10).allMatch(v -> v.asDouble() > 0);
    assertThat(run.get("sgemm_gflops")).hasSize(10).allMatch(v -> v.asDouble() > 0);
    // each tenth's speed counted as the run's is: one step a tenth here, so the tenths' GFLOP/s
    // weighted by their step times give back the run's achieved GFLOP/s
    double gflopsTimesMs = 0;
    double ms = 0;
    double[] ratios = new double[10];
    for (int k = 0; k < 10; k++) {
      double achieved = run.get("achieved_gflops").get(k).asDouble();
      double tenthMs = run.get("ms_per_step").get(k).asDouble();
      gflopsTimesMs += achieved * tenthMs;
      ms += tenthMs;
      ratios[k] = run.get("achieved_vs_sgemm").get(k).asDouble();
      assertThat(ratios[k]) // over the sgemm printed to 0.1 GFLOP/s
          .isCloseTo(achieved / run.get("sgemm_gflops").get(k).asDouble(), withinPercentage(0.5));
    }
    assertThat(gflopsTimesMs / ms)
        .isCloseTo(o.get("achieved_gflops").asDouble(), withinPercentage(1));
    Arrays.sort(ratios);
    assertThat(o.get("achieved_vs_sgemm_median_of_tenths").asDouble())
        .isCloseTo((ratios[4] + ratios[5]) / 2, withinPercentage(1e-6));
    // null where glibc's malloc does not serve the process (NativeHeapTest checks the values)
    assertThat(run.get("malloc_in_use_mb"))
        .hasSize(10)
        .allMatch(v -> v.isNull() || v.asDouble() > 0);
    assertThat(run.get("malloc_free_mb"))
        .hasSize(10)
        .allMatch(v -> v.isNull() || v.asDouble() >= 0);
  }

  @Test
  void aConfigFileSuppliesDefaultsThatFlagsOverride(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("train.properties");
    Files.writeString(file, "# a deployment's settings\ntokens-topic = prod.tokens\nd = 96\n");
    CliRun r = run("train", "--config", file.toString(), "--d", "48", "--help");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("(default: prod.tokens)", "(default: 96)");

    Path bad = dir.resolve("bad.properties");
    Files.writeString(bad, "d = 0\n"); // validated by the config record, as a flag would be
    CliRun invalid = run("train-local", "--config=" + bad);
    assertOneErrorLine(invalid);
    assertThat(invalid.err()).contains("d must be >= 1");
  }

  @Test
  void aConfigFileWithAnUnknownKeyOrAMissingFileIsOneErrorLine(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("typo.properties");
    Files.writeString(file, "tokenz-topic = x\n");
    CliRun typo = run("train", "--config", file.toString());
    assertOneErrorLine(typo);
    assertThat(typo.err()).contains("unknown setting 'tokenz-topic'", "tokens-topic");

    CliRun missing = run("train", "--config", dir.resolve("nope.properties").toString());
    assertOneErrorLine(missing);
    assertThat(missing.err()).contains("cannot read --config", "nope.properties");
  }

  @Test
  void aModelOverTheMemoryCapIsRefusedBeforeTheJobStarts() {
    // No broker at this address: the refusal must come before anything connects.
    CliRun r =
        run(
            "train",
            "--bootstrap-servers",
            "127.0.0.1:1",
            "--d",
            "256",
            "--ff",
            "1024",
            "--emax",
            "16",
            "--max-model-memory",
            "8");
    assertOneErrorLine(r);
    assertThat(r.err()).contains("over --max-model-memory 8 MB", "MB of training state");
  }
}
