package io.moestream.moe.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.train.MoeTrainer;
import io.moestream.moe.train.Upcycling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --init-from}'s reader: an export written by {@link ModelExport} (v2, and v1 as an older
 * build wrote it), directly or under an export root, builds the same upcycled model as the trainer
 * in memory; directories that are not one readable export, and weights other than the pinned ones,
 * are refused in one line.
 */
class UpcycleSourceTest {
  @TempDir Path tmp;

  private static final ModelConfig TARGET =
      new ModelConfig(259, 16, 2, 2, ExportFixtures.CTX, 24, RouterConfig.topK(4, 2));

  @Test
  void anExportBuildsTheModelTheTrainerInMemoryBuilds() throws IOException {
    try (MoeTrainer source = ExportFixtures.trained(6)) {
      Path root = tmp.resolve("export");
      Manifest m =
          ModelExport.write(source, "src", root.resolve("src"), "test", -1, false, Instant.now());
      TrainConfig tc = TrainConfig.defaults(9);
      try (MoeTrainer fromDir = UpcycleSource.trainer(TARGET, tc, root, null);
          MoeTrainer fromMemory =
              Upcycling.create(TARGET, tc, Upcycling.of(source, "memory"), null)) {
        assertThat(fromDir.digest()).isEqualTo(fromMemory.digest());
      }
      Upcycling.Source read = UpcycleSource.read(root.resolve("src"));
      assertThat(read.weightsSha256()).isEqualTo(m.files().get(ModelExport.TENSORS).sha256());
      assertThat(read.origin()).contains("model src", "dynmoe", "step 6");
      assertThat(read.activeSlots()).isEqualTo(m.activeSlots());
    }
  }

  @Test
  void aVersionOneExportIsReadToo() throws IOException {
    try (MoeTrainer source = ExportFixtures.trained(2)) {
      Path dir = tmp.resolve("v1");
      ModelExport.write(source, "src", dir, "test", -1, false, Instant.now());
      // as the previous build wrote it: no tokenizer block, no config.json
      Files.delete(dir.resolve(HfConfig.FILE));
      ObjectMapper json = new ObjectMapper();
      ObjectNode m = (ObjectNode) json.readTree(dir.resolve(Manifest.FILE).toFile());
      m.put("formatVersion", 1);
      m.remove("tokenizer");
      ((ObjectNode) m.get("files")).remove(HfConfig.FILE);
      json.writeValue(dir.resolve(Manifest.FILE).toFile(), m);
      TrainConfig tc = TrainConfig.defaults(9);
      try (MoeTrainer v1 = UpcycleSource.trainer(TARGET, tc, dir, null);
          MoeTrainer mem = Upcycling.create(TARGET, tc, Upcycling.of(source, "m"), null)) {
        assertThat(v1.digest()).isEqualTo(mem.digest());
      }
    }
  }

  @Test
  void directoriesThatAreNotOneReadableExportAreRefused() throws IOException {
    assertThatThrownBy(() -> UpcycleSource.read(tmp.resolve("missing")))
        .isInstanceOf(InvalidSnapshotException.class)
        .hasMessageContaining("is not a directory");
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    assertThatThrownBy(() -> UpcycleSource.read(empty))
        .isInstanceOf(InvalidSnapshotException.class)
        .hasMessageContaining("not an exported snapshot");
    try (MoeTrainer source = ExportFixtures.trained(1)) {
      Path two = tmp.resolve("two");
      ModelExport.write(source, "a", two.resolve("a"), "t", -1, false, Instant.now());
      ModelExport.write(source, "b", two.resolve("b"), "t", -1, false, Instant.now());
      assertThatThrownBy(() -> UpcycleSource.read(two))
          .isInstanceOf(InvalidSnapshotException.class)
          .hasMessageContaining("holds 2 exported models: name one model's directory (a, b)");

      Path changed = two.resolve("a");
      String sha = UpcycleSource.read(changed).weightsSha256();
      assertThatThrownBy(() -> UpcycleSource.read(changed, "0".repeat(64)))
          .isInstanceOf(InvalidSnapshotException.class)
          .hasMessageContaining("holds other weights than when the job started");
      assertThat(UpcycleSource.read(changed, sha).weightsSha256()).isEqualTo(sha);

      Path weights = changed.resolve(ModelExport.TENSORS);
      byte[] bytes = Files.readAllBytes(weights);
      bytes[bytes.length - 1] ^= 1;
      Files.write(weights, bytes);
      assertThatThrownBy(() -> UpcycleSource.read(changed))
          .isInstanceOf(InvalidSnapshotException.class)
          .hasMessageContaining("model.safetensors does not match its checksum");
    }
  }
}
