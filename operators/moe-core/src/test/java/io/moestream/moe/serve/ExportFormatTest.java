package io.moestream.moe.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.data.ByteTokenizer;
import io.moestream.moe.train.MoeTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an export tells tools outside the JVM (manifest v2): the tokenizer block and {@code
 * config.json}; and that a v1 export, without either, still loads.
 */
class ExportFormatTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  static MoeTrainer trainer;
  static Path exported;

  @BeforeAll
  static void export() throws IOException {
    trainer = ExportFixtures.trained(14);
    exported = tmp.resolve("m");
    ModelExport.write(trainer, "m1", exported, "test:savepoint", 10, false, Instant.EPOCH);
  }

  @AfterAll
  static void close() {
    trainer.close();
  }

  @Test
  void theManifestRecordsTheByteLevelTokenizer() throws IOException {
    JsonNode m = JSON.readTree(exported.resolve(Manifest.FILE).toFile());
    assertThat(m.path("formatVersion").asInt()).isEqualTo(2);
    JsonNode tok = m.path("tokenizer");
    assertThat(tok.path("type").asText()).isEqualTo("byte-level");
    assertThat(tok.path("textEncoding").asText()).isEqualTo("UTF-8");
    assertThat(tok.path("vocabSize").asInt())
        .isEqualTo(ByteTokenizer.VOCAB_SIZE)
        .isEqualTo(m.path("model").path("vocabSize").asInt());
    assertThat(tok.path("addsSpecialIds").asBoolean()).isFalse();
    // What the block says, checked against the tokenizer's behaviour rather than its constants:
    // every byte value is its own id, below byteIds; the specials are the ids decode skips.
    int byteIds = tok.path("byteIds").asInt();
    int[] ids = new ByteTokenizer().encodeBytes(new byte[] {0, 0x41, (byte) 0xC3, (byte) 0xFF});
    assertThat(ids).containsExactly(0, 0x41, 0xC3, byteIds - 1);
    JsonNode special = tok.path("specialIds");
    assertThat(special.size()).isEqualTo(3);
    assertThat(byteIds + special.size()).isEqualTo(tok.path("vocabSize").asInt());
    int[] framed = new ByteTokenizer().encodeDocument("x");
    assertThat(special.path("bos").asInt()).isEqualTo(framed[0]);
    assertThat(special.path("eos").asInt()).isEqualTo(framed[2]);
    for (JsonNode id : special) {
      assertThat(ByteTokenizer.isSpecial(id.asInt())).isTrue();
      assertThat(new ByteTokenizer().decode(new int[] {id.asInt()})).isEmpty();
    }
    assertThat(Manifest.read(exported).tokenizer()).isEqualTo(TokenizerSpec.byteLevel());
  }

  @Test
  void configJsonDescribesTheModelUnderHuggingFaceNamesAndIsChecksummed() throws IOException {
    Manifest m = Manifest.read(exported);
    assertThat(m.files()).containsKey(HfConfig.FILE);
    assertThat(m.files().get(HfConfig.FILE))
        .isEqualTo(Checksums.of(exported.resolve("config.json")));
    JsonNode c = JSON.readTree(exported.resolve(HfConfig.FILE).toFile());
    ModelConfig mc = trainer.modelConfig();
    assertThat(c.path("model_type").asText()).isEqualTo("moestream-moe");
    assertThat(c.path("architectures").get(0).asText()).isEqualTo("MoeStreamForCausalLM");
    assertThat(c.path("vocab_size").asInt()).isEqualTo(mc.vocabSize());
    assertThat(c.path("hidden_size").asInt()).isEqualTo(mc.dModel());
    assertThat(c.path("num_hidden_layers").asInt()).isEqualTo(mc.layers());
    assertThat(c.path("num_attention_heads").asInt()).isEqualTo(mc.heads());
    assertThat(c.path("max_position_embeddings").asInt()).isEqualTo(mc.ctx());
    assertThat(c.path("intermediate_size").asInt()).isEqualTo(mc.dFf());
    assertThat(c.path("num_experts").asInt()).isEqualTo(mc.router().experts());
    assertThat(c.path("max_num_experts").asInt()).isEqualTo(mc.router().maxExperts());
    assertThat(c.path("router").asText()).isEqualTo("dynmoe");
    assertThat(c.path("router_config").path("aux_variant").asText()).isEqualTo("deepspeed");
    assertThat(c.path("router_config").path("aux_loss_weight").asDouble())
        .isEqualTo(mc.router().auxWeight());
    assertThat(c.path("layer_norm_eps").asDouble()).isEqualTo(1e-5);
    assertThat(c.path("tie_word_embeddings").asBoolean()).isTrue();
    assertThat(c.path("torch_dtype").asText()).isEqualTo("float32");
    assertThat(c.path("bos_token_id").asInt()).isEqualTo(ByteTokenizer.BOS);
    assertThat(c.path("eos_token_id").asInt()).isEqualTo(ByteTokenizer.EOS);
    assertThat(c.path("pad_token_id").asInt()).isEqualTo(ByteTokenizer.PAD);
    assertThat(JSON.convertValue(c.path("active_expert_slots"), java.util.List.class))
        .isEqualTo(m.activeSlots());
  }

  @Test
  void aChangedConfigJsonIsRefusedLikeAnyListedFile() throws IOException {
    Path dir = copy("changed-config");
    Path f = dir.resolve(HfConfig.FILE);
    Files.writeString(
        f, Files.readString(f).replace("\"hidden_size\" : 16", "\"hidden_size\" : 17"));
    assertThatThrownBy(() -> MoeModel.load(dir))
        .isInstanceOf(InvalidSnapshotException.class)
        .hasMessageContaining("config.json does not match its checksum");
  }

  @Test
  void aVersionOneExportWithoutTokenizerOrConfigStillLoadsAndScoresTheSame() throws IOException {
    Path dir = copy("v1");
    // A v1 export as the previous build wrote it: no tokenizer block, no config.json.
    Files.delete(dir.resolve(HfConfig.FILE));
    editManifest(
        dir,
        m -> {
          m.put("formatVersion", 1);
          m.remove("tokenizer");
          ((ObjectNode) m.get("files")).remove(HfConfig.FILE);
        });
    try (MoeModel v1 = MoeModel.load(dir);
        MoeModel v2 = MoeModel.load(exported)) {
      assertThat(v1.manifest().formatVersion()).isEqualTo(1);
      assertThat(v1.manifest().tokenizer()).isNull();
      int[][] batch = ExportFixtures.batch(21, 1);
      assertThat(v1.loss(batch))
          .isEqualTo(v2.loss(batch))
          .isEqualTo(trainer.evaluate(batch).loss());
    }
  }

  @Test
  void aVersionTwoManifestWithoutTokenizerAndAnUnknownVersionAreRefused() throws IOException {
    Path noTok = copy("v2-no-tokenizer");
    editManifest(noTok, m -> m.remove("tokenizer"));
    assertThatThrownBy(() -> MoeModel.load(noTok))
        .isInstanceOf(InvalidSnapshotException.class)
        .hasMessageContaining("(v2) lacks tokenizer");
    Path v3 = copy("v3");
    editManifest(v3, m -> m.put("formatVersion", 3));
    assertThatThrownBy(() -> MoeModel.load(v3))
        .isInstanceOf(InvalidSnapshotException.class)
        .hasMessageContaining(
            "is format moestream-model v3; this build reads moestream-model v1 to v2");
  }

  private static void editManifest(Path dir, Consumer<ObjectNode> edit) throws IOException {
    Path f = dir.resolve(Manifest.FILE);
    ObjectNode m = (ObjectNode) JSON.readTree(f.toFile());
    edit.accept(m);
    JSON.writeValue(f.toFile(), m);
  }

  private static Path copy(String name) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(name));
    try (var s = Files.list(exported)) {
      for (Path p : s.toList()) {
        Files.copy(p, dir.resolve(p.getFileName()));
      }
    }
    return dir;
  }
}
