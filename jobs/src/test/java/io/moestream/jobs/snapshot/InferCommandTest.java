package io.moestream.jobs.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.CliRun;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.serve.Manifest;
import io.moestream.moe.serve.ModelExport;
import io.moestream.moe.train.MoeTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code infer} on a good export, and on every kind of damaged one: one error line, exit 2. */
class InferCommandTest {
  @TempDir static Path tmp;
  static Path good;
  static double expectedLoss;

  @BeforeAll
  static void export() throws Exception {
    ModelConfig mc = new ModelConfig(259, 16, 2, 2, 8, 16, RouterConfig.dynMoe(2, 4));
    try (MoeTrainer t = MoeTrainer.create(mc, TrainConfig.defaults(1))) {
      good = tmp.resolve("root/m%2F1");
      ModelExport.write(t, "m/1", good, "sp", -1, false, Instant.EPOCH);
      int[] ids = new io.moestream.moe.data.ByteTokenizer().encode("hello worl");
      // ctx 8: the 10 tokens are scored as a window of 9 (8 targets) and one of 2 (1 target)
      double first = t.evaluate(new int[][] {Arrays.copyOfRange(ids, 0, 9)}).loss();
      double second = t.evaluate(new int[][] {Arrays.copyOfRange(ids, 8, 10)}).loss();
      expectedLoss = (8 * first + second) / 9;
    }
  }

  @Test
  void printsLossPerplexityAndTheExpertsOfEveryToken() {
    CliRun r = CliRun.of("infer", "--snapshot", good.toString(), "--text", "hello worl");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("model m/1 step 0 (dynmoe, d=16, 2 layers, ctx 8)")
        .contains(String.format(java.util.Locale.ROOT, "loss %.4f nats/token", expectedLoss))
        .contains("over 9 predicted tokens");
    assertThat(r.out().lines().filter(l -> l.matches("\\s+\\d+ .*L0 k=[12] \\[.*L1 k=[12] \\[.*")))
        .hasSize(9);
    CliRun fromRoot =
        CliRun.of(
            "infer", "--snapshot", good.getParent().toString(), "--text", "hi", "--no-routes");
    assertThat(fromRoot.exit()).as(fromRoot.err()).isZero();
    assertThat(fromRoot.out().lines()).hasSize(3);
  }

  @Test
  void jsonCarriesTheLossAtFullPrecisionAndEveryTokensExperts() throws Exception {
    CliRun r = CliRun.of("infer", "--snapshot", good.toString(), "--text", "hello worl", "--json");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out().lines()).hasSize(1);
    com.fasterxml.jackson.databind.JsonNode j =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
    assertThat(j.path("modelId").asText()).isEqualTo("m/1");
    assertThat(j.path("loss").asDouble()).isEqualTo(expectedLoss);
    assertThat(j.path("perplexity").asDouble()).isEqualTo(Math.exp(expectedLoss));
    assertThat(j.path("scored").asInt()).isEqualTo(9);
    assertThat(j.path("avgK").size()).isEqualTo(2);
    assertThat(j.path("routes").size()).isEqualTo(9);
    assertThat(j.path("routes").get(0).path("token").asInt()).isEqualTo('h');
    assertThat(j.path("routes").get(0).path("experts").size()).isEqualTo(2);
    CliRun bare =
        CliRun.of(
            "infer", "--snapshot", good.toString(), "--text", "hello", "--json", "--no-routes");
    assertThat(bare.exit()).as(bare.err()).isZero();
    assertThat(bare.out()).doesNotContain("routes");
  }

  @Test
  void corruptedTruncatedOrMisSummedFilesAndMissingManifestsAreRefused() throws Exception {
    Path corrupted = copy("corrupted");
    byte[] b = Files.readAllBytes(corrupted.resolve(ModelExport.TENSORS));
    b[b.length - 1] ^= 1;
    Files.write(corrupted.resolve(ModelExport.TENSORS), b);
    assertError(infer(corrupted), "model.safetensors does not match its checksum");

    Path truncated = copy("truncated");
    Files.write(truncated.resolve(ModelExport.TENSORS), Arrays.copyOf(b, 100));
    assertError(infer(truncated), "model.safetensors is truncated: 100 of " + b.length + " bytes");

    Path wrongSum = copy("wrongsum");
    Path m = wrongSum.resolve(Manifest.FILE);
    String sum = Manifest.read(wrongSum).files().get(ModelExport.TENSORS).sha256();
    Files.writeString(m, Files.readString(m).replace(sum, "ab".repeat(32)));
    assertError(infer(wrongSum), "expected " + "ab".repeat(32));

    assertError(infer(Files.createDirectories(tmp.resolve("nothing"))), "not an exported snapshot");
    Path two = Files.createDirectories(tmp.resolve("two"));
    for (String name : new String[] {"a", "b"}) {
      Files.createDirectories(two.resolve(name));
      Files.copy(good.resolve(Manifest.FILE), two.resolve(name).resolve(Manifest.FILE));
    }
    assertError(infer(two), "holds 2 models: pass one model's directory (a, b)");
  }

  private static CliRun infer(Path dir) {
    return CliRun.of("infer", "--snapshot", dir.toString(), "--text", "abc");
  }

  private static void assertError(CliRun r, String message) {
    assertThat(r.exit()).as(r.err()).isEqualTo(2);
    assertThat(r.err()).startsWith("error: ").contains(message).doesNotContain("\tat ");
    assertThat(r.err().lines()).hasSize(1);
  }

  private static Path copy(String name) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve(name));
    for (String f : new String[] {Manifest.FILE, ModelExport.TENSORS}) {
      Files.copy(good.resolve(f), dir.resolve(f));
    }
    return dir;
  }
}
