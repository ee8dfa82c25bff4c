package io.moestream.moe.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.train.MoeTrainer;
import io.moestream.moe.train.TrainerSnapshots;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Export, load and infer; every kind of damaged directory is refused with a clear message. */
class MoeModelTest {
  @TempDir static Path tmp;
  static Path exported;
  static MoeTrainer trainer;

  @BeforeAll
  static void export() throws IOException {
    trainer = ExportFixtures.trained(14);
    exported = tmp.resolve("m");
    ModelExport.write(trainer, "m1", exported, "test:savepoint", 123, true, Instant.EPOCH);
  }

  @AfterAll
  static void close() {
    trainer.close();
  }

  @Test
  void theLoadedModelScoresExactlyLikeTheTrainerInInferenceMode() throws IOException {
    try (MoeModel model = MoeModel.load(exported)) {
      for (int i = 20; i < 24; i++) {
        int[][] batch = ExportFixtures.batch(i, i % 2);
        assertThat(model.loss(batch)).isEqualTo(trainer.evaluate(batch).loss());
      }
      Manifest m = model.manifest();
      assertThat(m.modelId()).isEqualTo("m1");
      assertThat(m.step()).isEqualTo(14);
      assertThat(m.tokens()).isEqualTo(123);
      assertThat(m.digest()).isEqualTo(trainer.digest());
      assertThat(m.model()).isEqualTo(trainer.modelConfig());
      assertThat(m.train()).isEqualTo(trainer.trainConfig());
      assertThat(m.files())
          .containsOnlyKeys(ModelExport.TENSORS, HfConfig.FILE, ModelExport.TRAINER_STATE);
    }
  }

  @Test
  void aSoftmaxTopKModelRoundTripsToo() throws IOException {
    ModelConfig mc =
        new ModelConfig(259, 16, 1, 2, ExportFixtures.CTX, 16, RouterConfig.topK(4, 2));
    try (MoeTrainer t = MoeTrainer.create(mc, TrainConfig.defaults(2))) {
      for (int i = 0; i < 3; i++) {
        t.train(ExportFixtures.batch(i, 0));
      }
      Path dir = tmp.resolve("topk");
      ModelExport.write(t, "k", dir, "sp", -1, false, Instant.EPOCH);
      try (MoeModel model = MoeModel.load(dir)) {
        int[][] batch = ExportFixtures.batch(9, 1);
        assertThat(model.loss(batch)).isEqualTo(t.evaluate(batch).loss());
        Inference r = model.score(batch[0]);
        assertThat(r.routes()).allSatisfy(route -> assertThat(route.k(0)).isEqualTo(2));
      }
    }
  }

  @Test
  void everyTokenUsesAtLeastOneActiveExpertInInference() throws IOException {
    String text = "The quick brown fox jumps over the lazy dog, twice: the quick brown fox.";
    try (MoeModel model = MoeModel.load(exported)) {
      Inference r = model.score(text);
      int n = text.getBytes(StandardCharsets.UTF_8).length;
      assertThat(r.scored()).isEqualTo(n - 1);
      assertThat(r.routes()).hasSize(n - 1);
      assertThat(r.loss()).isFinite().isPositive();
      assertThat(r.perplexity()).isEqualTo(Math.exp(r.loss()));
      boolean[][] active = trainer.activeSlots();
      for (Inference.TokenRoute t : r.routes()) {
        for (int l = 0; l < active.length; l++) {
          assertThat(t.k(l)).as("top-1 fallback: k >= 1").isGreaterThanOrEqualTo(1);
          for (int e : t.experts()[l]) {
            assertThat(active[l][e]).as("layer %d slot %d is active", l, e).isTrue();
          }
        }
      }
      // the first window alone is scored exactly like the model's own batch of that window
      int[] tokens = new io.moestream.moe.data.ByteTokenizer().encode(text);
      int[][] first = {java.util.Arrays.copyOf(tokens, ExportFixtures.CTX + 1)};
      assertThat(model.score(first[0]).loss()).isEqualTo(model.loss(first));
    }
  }

  @Test
  void theTrainerStateResumesTheIdenticalTrainer() throws IOException {
    try (MoeTrainer resumed = TrainerSnapshots.restore(ModelExport.readTrainerState(exported))) {
      assertThat(resumed.digest()).isEqualTo(trainer.digest());
      assertThat(resumed.step()).isEqualTo(trainer.step());
    }
  }

  @Test
  void aCorruptedFileIsRefused() throws IOException {
    Path dir = copy("corrupt");
    Path f = dir.resolve(ModelExport.TENSORS);
    byte[] b = Files.readAllBytes(f);
    b[b.length - 3] ^= 0x40;
    Files.write(f, b);
    assertThatThrownBy(() -> MoeModel.load(dir))
        .isInstanceOf(InvalidSnapshotException.class)
        .hasMessageContaining("model.safetensors does not match its checksum");
  }

  @Test
  void aTruncatedFileIsRefused() throws IOException {
    Path dir = copy("truncated");
    Path f = dir.resolve(ModelExport.TENSORS);
    byte[] b = Files.readAllBytes(f);
    Files.write(f, java.util.Arrays.copyOf(b, b.length / 2));
    assertThatThrownBy(() -> MoeModel.load(dir))
        .isInstanceOf(InvalidSnapshotException.class)
        .hasMessageContaining(
            "model.safetensors is truncated: " + b.length / 2 + " of " + b.length);
  }

  @Test
  void aWrongChecksumInTheManifestIsRefused() throws IOException {
    Path dir = copy("wrongsum");
    Path m = dir.resolve(Manifest.FILE);
    String sum = Checksums.of(dir.resolve(ModelExport.TENSORS)).sha256();
    String text = Files.readString(m);
    assertThat(text).contains(sum);
    Files.writeString(m, text.replace(sum, "0".repeat(64)));
    assertThatThrownBy(() -> MoeModel.load(dir))
        .isInstanceOf(InvalidSnapshotException.class)
        .hasMessageContaining("does not match its checksum")
        .hasMessageContaining("expected " + "0".repeat(64));
  }

  @Test
  void aDirectoryWithoutManifestOrWithABrokenOneIsRefused() throws IOException {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    assertThatThrownBy(() -> MoeModel.load(empty))
        .isInstanceOf(InvalidSnapshotException.class)
        .hasMessageContaining("not an exported model directory");
    Path dir = copy("badjson");
    Path manifest = dir.resolve(Manifest.FILE);
    Files.writeString(manifest, Files.readString(manifest).substring(0, 200));
    assertThatThrownBy(() -> MoeModel.load(dir))
        .isInstanceOf(InvalidSnapshotException.class)
        .hasMessageContaining("manifest.json is unreadable");
  }

  @Test
  void aFileWithTensorsOfAnotherModelIsRefused() throws IOException {
    Path dir = copy("other");
    SafeTensors.Contents c = SafeTensors.read(dir.resolve(ModelExport.TENSORS));
    List<SafeTensors.Tensor> ts = new java.util.ArrayList<>(c.tensors().values());
    ts.remove(ts.size() - 1); // drops ln_f.bias
    SafeTensors.write(dir.resolve(ModelExport.TENSORS), ts, c.metadata());
    rewriteSums(dir);
    assertThatThrownBy(() -> MoeModel.load(dir))
        .isInstanceOf(InvalidSnapshotException.class)
        .hasMessageContaining("lacks tensor ln_f.bias");
  }

  /** A copy of the exported directory to damage. */
  private static Path copy(String name) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(name));
    Set<String> files = new HashSet<>();
    try (var s = Files.list(exported)) {
      s.forEach(p -> files.add(p.getFileName().toString()));
    }
    for (String f : files) {
      Files.copy(exported.resolve(f), dir.resolve(f));
    }
    return dir;
  }

  private static void rewriteSums(Path dir) throws IOException {
    Manifest m = Manifest.read(dir);
    java.util.Map<String, Manifest.FileSum> sums = new java.util.LinkedHashMap<>();
    for (String f : m.files().keySet()) {
      sums.put(f, Checksums.of(dir.resolve(f)));
    }
    m.withFiles(sums).write(dir);
  }
}
