package io.moestream.jobs.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moestream.moe.config.EvoMoeConfig;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.data.TextCorpus;
import io.moestream.moe.serve.HfConfig;
import io.moestream.moe.serve.Manifest;
import io.moestream.moe.serve.ModelExport;
import io.moestream.moe.serve.MoeModel;
import io.moestream.moe.train.MoeTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python examples without a trained default model: the PyTorch loader ({@code
 * examples/python/moe_model.py}) against {@link MoeModel} on small models of every router an export
 * can hold (the same loss to 1e-5 on a text longer than ctx), a v1 export (no tokenizer block, no
 * config.json), an EvoMoE model in its DTR stage refused with one {@code error:} line and exit code
 * 2; the registry consumer's one-line failures. The default-size model and the real broker are in
 * {@link DefaultSizeEndToEndITCase}.
 */
class PythonExamplesITCase {
  private static final int CTX = 16;
  private static final String TEXT =
      "public static void main(String[] args) { System.out.println(\"Grüße\"); } // past ctx";

  @TempDir Path tmp;

  @Test
  void theLoaderScoresEveryRouterLikeTheJavaModel() throws Exception {
    PythonExamples.assumeModules(tmp.resolve("py"), "torch");
    List<RouterConfig> routers =
        List.of(
            RouterConfig.dynMoe(2, 6),
            RouterConfig.topK(4, 2),
            RouterConfig.topK(4, 1),
            RouterConfig.topP(4, 0.4),
            RouterConfig.nullExperts(4, 2, 2),
            RouterConfig.dense(),
            RouterConfig.evoMoe(4, EvoMoeConfig.defaults())); // step 12: warm-up, expert 0
    List<Path> dirs = new java.util.ArrayList<>();
    for (RouterConfig r : routers) {
      dirs.add(export(r, 12, tmp.resolve(r.kind().cliName() + "-" + r.topK())));
    }
    assertSameLoss(dirs.toArray(Path[]::new));
  }

  @Test
  void aVersionOneExportLoadsToo() throws Exception {
    PythonExamples.assumeModules(tmp.resolve("py"), "torch");
    Path dir = export(RouterConfig.dynMoe(2, 6), 12, tmp.resolve("v1"));
    Files.delete(dir.resolve(HfConfig.FILE));
    ObjectMapper json = new ObjectMapper();
    ObjectNode m = (ObjectNode) json.readTree(dir.resolve(Manifest.FILE).toFile());
    m.put("formatVersion", 1);
    m.remove("tokenizer");
    ((ObjectNode) m.get("files")).remove(HfConfig.FILE);
    json.writeValue(dir.resolve(Manifest.FILE).toFile(), m);
    assertSameLoss(dir);
  }

  @Test
  void anEvoMoeModelInItsDtrStageIsRefusedWithOneLine() throws Exception {
    PythonExamples.assumeModules(tmp.resolve("py"), "torch");
    // One warm-up and one evolution step: from step 2 on the DTR routes.
    RouterConfig r = RouterConfig.evoMoe(4, EvoMoeConfig.defaults().withSchedule(1, 1));
    Path dir = export(r, 3, tmp.resolve("evomoe-dtr"));
    PythonExamples.Run py =
        PythonExamples.script(
            tmp.resolve("py"), 300, "moe_model.py", "--snapshot", dir.toString(), "--text", TEXT);
    assertThat(py.exit()).isEqualTo(2);
    assertThat(py.out()).isEmpty();
    assertThat(py.err().strip().lines()).hasSize(1);
    assertThat(py.err()).startsWith("error: an evomoe model in its DTR stage");
  }

  @Test
  void theHelpersOwnUnitTestsPass() throws Exception {
    PythonExamples.assumeModules(tmp.resolve("py"), "torch", "avro");
    PythonExamples.Run r =
        PythonExamples.run(
            tmp.resolve("py"),
            120,
            "-m",
            "unittest",
            "discover",
            "-s",
            PythonExamples.DIR.toString(),
            "-p",
            "test_*.py");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.err()).containsPattern("Ran [1-9]\\d* tests").contains("OK");
  }

  @Test
  void theConsumerReportsAnUnreachableBrokerAndBadInputInOneLine() throws Exception {
    PythonExamples.assumeModules(tmp.resolve("py"), "confluent_kafka", "avro");
    // Port 1 on loopback: nothing listens there. The 60 s bound only stops a hung child; the
    // consumer gives up after its --timeout of 3 s.
    PythonExamples.Run down =
        PythonExamples.script(
            tmp.resolve("py"),
            60,
            "registry_consumer.py",
            "--bootstrap-servers",
            "127.0.0.1:1",
            "--timeout",
            "3");
    assertThat(down.exit()).as(down.err()).isEqualTo(1);
    assertThat(down.out()).isEmpty();
    assertThat(down.err().strip().lines()).hasSize(1);
    assertThat(down.err())
        .startsWith("error: cannot reach 127.0.0.1:1")
        .contains("Connection refused");

    PythonExamples.Run bad =
        PythonExamples.script(tmp.resolve("py"), 60, "registry_consumer.py", "--max-events", "0");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err().strip()).isEqualTo("error: --max-events must be >= 1, got 0");

    PythonExamples.Run noSchemas =
        PythonExamples.script(
            tmp.resolve("py"),
            60,
            "registry_consumer.py",
            "--schemas",
            tmp.resolve("nowhere").toString());
    assertThat(noSchemas.exit()).isEqualTo(2);
    assertThat(noSchemas.err().strip()).startsWith("error: cannot read the schemas: no schema");
  }

  /**
   * Scores {@link #TEXT} with each model in one python3 process (torch's import is the slow part)
   * through the module's API, and with {@link MoeModel}; the CLI's own path is the default-size
   * test's.
   */
  private void assertSameLoss(Path... dirs) throws Exception {
    String code =
        "import json, sys\n"
            + "sys.path.insert(0, sys.argv[1])\n"
            + "from moe_model import MoeStreamModel\n"
            + "for d in sys.argv[3:]:\n"
            + "    m = MoeStreamModel.load(d)\n"
            + "    loss, n = m.score(m.encode(sys.argv[2]))\n"
            + "    print(json.dumps({'loss': loss, 'scored': n}))\n";
    List<String> args =
        new java.util.ArrayList<>(List.of("-c", code, PythonExamples.DIR.toString(), TEXT));
    for (Path d : dirs) {
      args.add(d.toString());
    }
    PythonExamples.Run py = PythonExamples.run(tmp.resolve("py"), 300, args.toArray(String[]::new));
    assertThat(py.exit()).as(py.err()).isZero();
    List<String> lines = py.out().lines().toList();
    assertThat(lines).hasSize(dirs.length);
    for (int i = 0; i < dirs.length; i++) {
      Path dir = dirs[i];
      double java;
      int scored;
      try (MoeModel model = MoeModel.load(dir)) {
        var r = model.score(TEXT);
        java = r.loss();
        scored = r.scored();
      }
      JsonNode p = new ObjectMapper().readTree(lines.get(i));
      assertThat(p.path("scored").asInt()).as(dir.toString()).isEqualTo(scored).isGreaterThan(CTX);
      assertThat(p.path("loss").asDouble()).as(dir.toString()).isCloseTo(java, within(1e-5));
      System.out.printf(
          "%s: java %.9f python %.9f%n", dir.getFileName(), java, p.path("loss").asDouble());
    }
  }

  /** A small model of router {@code r} trained {@code steps} steps on the bundled corpus. */
  private static Path export(RouterConfig r, int steps, Path dir) throws Exception {
    ModelConfig mc = new ModelConfig(259, 16, 2, 2, CTX, 24, r);
    // A recording window every 4 steps: a DynMoE model's expert set changes within 12 steps.
    TrainConfig tc = TrainConfig.defaults(5).withWindow(new RecordingWindow(2, 3, 4));
    int[] text = TextCorpus.bundled().domains().get(0).tokens();
    try (MoeTrainer t = MoeTrainer.create(mc, tc)) {
      for (int s = 0; s < steps; s++) {
        int[][] batch = new int[4][];
        for (int row = 0; row < batch.length; row++) {
          int start = (s * batch.length + row) * (CTX + 1);
          batch[row] = Arrays.copyOfRange(text, start, start + CTX + 1);
        }
        t.train(batch);
      }
      ModelExport.write(t, r.kind().cliName(), dir, "test", -1, false, Instant.EPOCH);
    }
    return dir;
  }
}
