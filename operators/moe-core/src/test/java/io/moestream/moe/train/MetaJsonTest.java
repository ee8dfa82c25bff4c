package io.moestream.moe.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moestream.moe.codec.SnapshotCodec;
import io.moestream.moe.codec.SnapshotCodec.CorruptSnapshotException;
import io.moestream.moe.codec.SnapshotEntry;
import io.moestream.moe.config.KBudget;
import io.moestream.moe.lifecycle.RoutingRecords;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The {@code meta} entry's versioned JSON: named fields, pinned bytes, strict reading. */
class MetaJsonTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static byte[] v1Meta() throws IOException {
    return StoredSnapshots.resource("meta-json-v1/dynmoe/meta.bin");
  }

  private static byte[] v2Meta() throws IOException {
    return StoredSnapshots.resource("meta-json-v2/dynmoe/meta.bin");
  }

  @Test
  void version1StillLoadsAndIsRewrittenAsVersion2WithOnlyThePruneShareAndBudgetAdded()
      throws IOException {
    StoredSnapshots tensors = StoredSnapshots.load("position-coded/dynmoe");
    List<SnapshotEntry> entries = tensors.withMeta(v1Meta());
    try (MoeTrainer restored = TrainerSnapshots.restore(entries)) {
      assertThat(restored.modelConfig()).isEqualTo(LegacyMetaReaderTest.DYNMOE_MODEL);
      assertThat(restored.trainConfig()).isEqualTo(LegacyMetaReaderTest.DYNMOE_TRAIN);
      assertThat(restored.trainConfig().budget()).isEqualTo(KBudget.off());
      assertThat(restored.trainConfig().pruneMaxShare()).isZero();
      assertThat(restored.step()).isEqualTo(tensors.step());
      assertThat(restored.digest()).isEqualTo(tensors.digest());
      // v2 = v1 with formatVersion 2, train.pruneMaxShare = 0 and train.budget = off, every other
      // field as it was
      ObjectNode v2 = document(TrainerSnapshots.capture(restored).get(0).bytes());
      ObjectNode expected = document(v1Meta());
      expected.put("formatVersion", 2);
      ((ObjectNode) expected.get("train")).put("pruneMaxShare", 0.0);
      ((ObjectNode) expected.get("train"))
          .set(
              "budget",
              JSON.createObjectNode()
                  .put("target", 0.0)
                  .put("step", 0.1) // KBudget.UNUSED_STEP: fixed, whatever the default gain
                  .put("fallback", false)
                  .put("straightThrough", false));
      assertThat(v2).isEqualTo(expected);
      assertThat(TrainerSnapshots.capture(restored).get(0).bytes()).isEqualTo(v2Meta());
    }
  }

  @Test
  void aBudgetSurvivesTheRoundTrip() throws IOException {
    StoredSnapshots f = StoredSnapshots.load("position-coded/dynmoe");
    try (MoeTrainer t = TrainerSnapshots.restore(f.entries())) {
      TrainerMeta m = TrainerMeta.of(t);
      KBudget budget = KBudget.of(1.7).withStep(0.02).withStraightThrough(true);
      TrainerMeta budgeted =
          new TrainerMeta(
              m.model(),
              m.train().withBudget(budget),
              m.step(),
              m.rngState(),
              m.sharedAge(),
              m.slotAges(),
              m.active(),
              m.records());
      assertThat(MetaJson.read(MetaJson.write(budgeted)).train().budget()).isEqualTo(budget);
    }
  }

  @Test
  void version2StillLoadsAndTodaysWriterProducesItsExactBytes() throws IOException {
    StoredSnapshots tensors = StoredSnapshots.load("position-coded/dynmoe");
    try (MoeTrainer restored = TrainerSnapshots.restore(tensors.withMeta(v2Meta()))) {
      assertThat(restored.trainConfig()).isEqualTo(LegacyMetaReaderTest.DYNMOE_TRAIN);
      assertThat(restored.digest()).isEqualTo(tensors.digest());
      assertThat(TrainerSnapshots.capture(restored).get(0).bytes()).isEqualTo(v2Meta());
    }
  }

  @Test
  void aVersion2PruneShareIsRead() throws IOException {
    StoredSnapshots f = StoredSnapshots.load("position-coded/dynmoe");
    ObjectNode doc = document();
    ((ObjectNode) doc.get("train")).put("pruneMaxShare", 0.03);
    try (MoeTrainer t = TrainerSnapshots.restore(f.withMetaPayload(JSON.writeValueAsBytes(doc)))) {
      assertThat(t.trainConfig())
          .isEqualTo(LegacyMetaReaderTest.DYNMOE_TRAIN.withPruneMaxShare(0.03));
    }
  }

  @Test
  void theDocumentNamesItsFormatVersionAndEveryConfigField() throws IOException {
    ObjectNode doc = document();
    assertThat(doc.get("format").asText()).isEqualTo("moestream-trainer-meta");
    assertThat(doc.get("formatVersion").asInt()).isEqualTo(2);
    assertThat(doc.at("/train/pruneMaxShare").asDouble()).isZero();
    assertThat(doc.at("/model/router/kind").asText()).isEqualTo("DYNMOE");
    assertThat(doc.at("/model/router/evo/warmupSteps").asLong()).isEqualTo(100);
    assertThat(doc.at("/train/spawnMinUnrouted").asDouble()).isEqualTo(0.05);
    assertThat(doc.at("/train/thresholdLrScale").asDouble()).isEqualTo(0.5);
    assertThat(doc.at("/train/window/period").asLong()).isEqualTo(4);
    assertThat(doc.get("step").asLong()).isEqualTo(7);
    assertThat(doc.get("layers")).hasSize(2);
    assertThat(doc.at("/layers/1/active")).hasSize(4);
  }

  @Test
  void aNewerVersionIsRefusedWithOneClearLine() {
    assertThatThrownBy(() -> restoreEdited(d -> d.put("formatVersion", 3).put("budget", 7)))
        .isInstanceOf(CorruptSnapshotException.class)
        .hasMessageContaining("'meta'")
        .hasMessageContaining("v3 was written by a newer moe-stream")
        .hasMessageContaining("reads up to v2");
  }

  @Test
  void anotherFormatOrANonsenseVersionIsRefused() {
    assertThatThrownBy(() -> restoreEdited(d -> d.put("format", "moestream-model")))
        .isInstanceOf(CorruptSnapshotException.class)
        .hasMessageContaining("not a moestream-trainer-meta document");
    assertThatThrownBy(() -> restoreEdited(d -> d.put("formatVersion", 0)))
        .isInstanceOf(CorruptSnapshotException.class)
        .hasMessageContaining("v0 does not exist");
  }

  @Test
  void anUnknownMissingOrNullFieldIsRefusedNotGuessed() {
    assertThatThrownBy(() -> restoreEdited(d -> d.put("budget", 7)))
        .isInstanceOf(CorruptSnapshotException.class)
        .hasMessageContaining("bad JSON")
        .hasMessageContaining("budget");
    assertThatThrownBy(() -> restoreEdited(d -> ((ObjectNode) d.get("train")).remove("seed")))
        .isInstanceOf(CorruptSnapshotException.class)
        .hasMessageContaining("seed");
    assertThatThrownBy(() -> restoreEdited(d -> ((ObjectNode) d.get("model")).putNull("router")))
        .isInstanceOf(CorruptSnapshotException.class)
        .hasMessageContaining("router");
  }

  @Test
  void anInvalidConfigOrRaggedLayersAreACorruptEntry() {
    assertThatThrownBy(() -> restoreEdited(d -> ((ObjectNode) d.get("model")).put("heads", 3)))
        .isInstanceOf(CorruptSnapshotException.class)
        .hasMessageContaining("invalid config: heads must divide d");
    assertThatThrownBy(() -> restoreEdited(d -> ((ArrayNode) d.at("/layers/1/slotAges")).remove(0)))
        .isInstanceOf(CorruptSnapshotException.class)
        .hasMessageContaining("layer 1 does not have 4 slots");
  }

  @Test
  void aPayloadThatIsNeitherFormatIsRefused() {
    StoredSnapshots f = StoredSnapshots.load("position-coded/dynmoe");
    assertThatThrownBy(() -> TrainerSnapshots.restore(f.withMetaPayload(new byte[] {5, 1, 2})))
        .isInstanceOf(CorruptSnapshotException.class)
        .hasMessageContaining("neither a JSON document nor a position-coded meta");
  }

  @Test
  void nonFiniteRoutingRecordsSurviveTheRoundTrip() throws IOException {
    StoredSnapshots f = StoredSnapshots.load("position-coded/dynmoe");
    try (MoeTrainer t = TrainerSnapshots.restore(f.entries())) {
      TrainerMeta m = TrainerMeta.of(t);
      double[] sum = new double[16];
      sum[0] = Double.NaN;
      sum[1] = Double.POSITIVE_INFINITY;
      sum[2] = -0.0;
      sum[3] = Double.MIN_VALUE;
      RoutingRecords[] records = {new RoutingRecords(new long[4], sum, 3, 1), m.records()[1]};
      TrainerMeta odd =
          new TrainerMeta(
              m.model(),
              m.train(),
              m.step(),
              m.rngState(),
              m.sharedAge(),
              m.slotAges(),
              m.active(),
              records);
      TrainerMeta back = MetaJson.read(MetaJson.write(odd));
      assertThat(back.records()[0].unroutedSum()).isEqualTo(sum);
    }
  }

  /** The v2 fixture's document. */
  private static ObjectNode document() throws IOException {
    return document(v2Meta());
  }

  private static ObjectNode document(byte[] meta) throws IOException {
    byte[] payload = SnapshotCodec.decode("meta", meta, in -> in.readAllBytes());
    return (ObjectNode) JSON.readTree(payload);
  }

  /** Restores the fixture model with its JSON meta edited by {@code edit}. */
  private static void restoreEdited(Consumer<ObjectNode> edit) throws IOException {
    ObjectNode doc = document();
    edit.accept(doc);
    StoredSnapshots f = StoredSnapshots.load("position-coded/dynmoe");
    TrainerSnapshots.restore(f.withMetaPayload(JSON.writeValueAsBytes(doc))).close();
  }
}
