package io.moestream.jobs.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moestream.jobs.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole upcycling path without Kafka or Flink, at the CLI's default model flags (d=128, 2
 * layers, ctx 128, ff 256; DynMoE 4/16 for the upcycled model): a dense {@code train-local
 * --export}, then {@code train-local --init-from} that export, then {@code infer} on the upcycled
 * model's export. Two steps each: the point is the path, the maths is tested in moe-core
 * (UpcyclingTest). Then what is refused, each in one line with exit 2: shapes that do not fit (also
 * by {@code train}, before it looks for Kafka), a directory that is not an export, an export
 * directory that already holds one.
 */
class UpcycleCommandTest {
  @TempDir Path tmp;

  private static final String[] SHORT = {
    "--steps", "2", "--max-tokens-per-domain", "3000", "--no-progress", "--device", "cpu"
  };

  private static CliRun trainLocal(String... flags) {
    String[] args = new String[1 + flags.length + SHORT.length];
    args[0] = "train-local";
    System.arraycopy(flags, 0, args, 1, flags.length);
    System.arraycopy(SHORT, 0, args, 1 + flags.length, SHORT.length);
    return CliRun.of(args);
  }

  @Test
  void aDenseLocalRunIsUpcycledTrainedExportedAndServed() throws Exception {
    Path dense = tmp.resolve("dense");
    CliRun warm = trainLocal("--router", "dense", "--export", dense.toString());
    assertThat(warm.exit()).as(warm.err()).isZero();
    assertThat(warm.out()).contains("router=dense", "exported step=2 digest=", "-> " + dense);
    JsonNode denseManifest = new ObjectMapper().readTree(dense.resolve("manifest.json").toFile());
    assertThat(denseManifest.path("model").path("router").path("kind").asText()).isEqualTo("DENSE");

    Path moe = tmp.resolve("moe");
    CliRun up = trainLocal("--init-from", dense.toString(), "--export", moe.toString());
    assertThat(up.exit()).as(up.err()).isZero();
    assertThat(up.out())
        .contains(
            "router=dynmoe experts=4/16",
            "init: upcycled from " + dense.toAbsolutePath() + " (model train-local, dense, step 2",
            "exported step=2");
    JsonNode m = new ObjectMapper().readTree(moe.resolve("manifest.json").toFile());
    assertThat(m.path("source").asText()).startsWith("train-local, upcycled from " + dense);

    CliRun served = CliRun.of("infer", "--snapshot", moe.toString(), "--text", "upcycled experts");
    assertThat(served.exit()).as(served.err()).isZero();
    assertThat(served.out()).contains("model train-local step 2 (dynmoe, d=128", "loss ");
  }

  @Test
  void shapesThatDoNotFitAndDirectoriesThatAreNotExportsAreRefusedInOneLine() throws Exception {
    Path dense = tmp.resolve("dense");
    CliRun warm =
        CliRun.of(
            "train-local",
            "--router",
            "dense",
            "--d",
            "32",
            "--ctx",
            "16",
            "--ff",
            "64",
            "--steps",
            "1",
            "--max-tokens-per-domain",
            "500",
            "--no-progress",
            "--export",
            dense.toString());
    assertThat(warm.exit()).as(warm.err()).isZero();

    CliRun wider = trainLocal("--init-from", dense.toString(), "--d", "32", "--ctx", "16");
    assertThat(wider.exit()).isEqualTo(2);
    assertThat(wider.err().lines()).hasSize(1);
    assertThat(wider.err())
        .startsWith("error: --init-from " + dense + ": the source model does not fit this one: ")
        .contains("expert width (ff) 64 in the source, 256 here")
        .doesNotContain("d 32");

    CliRun train =
        CliRun.of(
            "train",
            "--bootstrap-servers",
            "127.0.0.1:1",
            "--work-dir",
            tmp.resolve("work").toString(),
            "--init-from",
            dense.toString());
    assertThat(train.exit()).as("refused before Kafka is asked").isEqualTo(2);
    assertThat(train.err().lines()).hasSize(1);
    assertThat(train.err()).contains("--init-from " + dense, "d 32 in the source, 128 here");

    Path empty = Files.createDirectories(tmp.resolve("empty"));
    CliRun notExport = trainLocal("--init-from", empty.toString());
    assertThat(notExport.exit()).isEqualTo(2);
    assertThat(notExport.err().lines()).hasSize(1);
    assertThat(notExport.err()).contains("--init-from " + empty, "not an exported snapshot");

    CliRun missing = trainLocal("--init-from", tmp.resolve("missing").toString());
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err().lines()).hasSize(1);

    CliRun again =
        CliRun.of(
            "train-local",
            "--d",
            "32",
            "--ctx",
            "16",
            "--steps",
            "1",
            "--no-progress",
            "--export",
            dense.toString());
    assertThat(again.exit()).isEqualTo(2);
    assertThat(again.err())
        .contains("--export " + dense + " already holds an exported model")
        .doesNotContain("loss");
    assertThat(again.out()).as("refused before training").doesNotContain("corpus:");
  }
}
