package io.moestream.moe.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.moe.codec.SnapshotEntry;
import io.moestream.moe.config.EvoMoeConfig;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Snapshot entries written by the position-coded meta format (committed under {@code
 * snapshots/position-coded/}, see its README) still restore: configs, step, digest, optimizer
 * state; and the two older generations of that format, which ended earlier, read the defaults.
 */
class LegacyMetaReaderTest {
  /** What {@code position-coded/dynmoe} was built with. */
  static final ModelConfig DYNMOE_MODEL =
      new ModelConfig(259, 16, 2, 2, 8, 16, RouterConfig.dynMoe(2, 4));

  static final TrainConfig DYNMOE_TRAIN =
      TrainConfig.defaults(11)
          .withWindow(new RecordingWindow(2, 3, 4))
          .withSpawnMinUnrouted(0.05)
          .withThresholdLrScale(0.5);

  /** What {@code position-coded/evomoe} was built with. */
  static final ModelConfig EVOMOE_MODEL =
      new ModelConfig(259, 16, 2, 2, 8, 16, RouterConfig.evoMoe(4, EvoMoeConfig.paper(2, 4)));

  /** Bytes of the EvoMoE section: 2 longs, a count, 3 ranges of 2 doubles, 3 ints, 2 booleans. */
  private static final int EVO_SECTION = 8 + 8 + 4 + 3 * 16 + 3 * 4 + 2;

  /** Bytes of the last section: the spawn threshold and the threshold lr scale. */
  private static final int SPAWN_SECTION = 8 + 8;

  @Test
  void aDynMoeModelInThePositionCodedFormatRestoresWithItsConfigsStepAndDigest() {
    StoredSnapshots fixture = StoredSnapshots.load("position-coded/dynmoe");
    assertThat(fixture.metaPayload()[0]).as("a position-coded meta").isEqualTo((byte) 0);
    try (MoeTrainer restored = TrainerSnapshots.restore(fixture.entries())) {
      assertThat(restored.modelConfig()).isEqualTo(DYNMOE_MODEL);
      assertThat(restored.trainConfig()).isEqualTo(DYNMOE_TRAIN);
      assertThat(restored.step()).isEqualTo(fixture.step()).isEqualTo(7);
      assertThat(restored.digest()).isEqualTo(fixture.digest());
      assertRewrittenAsJsonLosesNothing(restored, fixture);
    }
  }

  @Test
  void anEvoMoeModelInThePositionCodedFormatRestoresWithItsSchedule() {
    StoredSnapshots fixture = StoredSnapshots.load("position-coded/evomoe");
    try (MoeTrainer restored = TrainerSnapshots.restore(fixture.entries())) {
      assertThat(restored.modelConfig()).isEqualTo(EVOMOE_MODEL);
      assertThat(restored.modelConfig().router().evo()).isEqualTo(EvoMoeConfig.paper(2, 4));
      assertThat(restored.trainConfig()).isEqualTo(TrainConfig.defaults(13));
      assertThat(restored.step()).isEqualTo(fixture.step()).isEqualTo(5);
      assertThat(restored.stage()).isEqualTo(EvoMoeConfig.Stage.EVOLUTION);
      assertThat(restored.digest()).isEqualTo(fixture.digest());
      assertRewrittenAsJsonLosesNothing(restored, fixture);
    }
  }

  @Test
  void aSnapshotWrittenBeforeEvoMoeRestoresWithTheDefaultEvoMoeSettings() {
    StoredSnapshots fixture = StoredSnapshots.load("position-coded/dynmoe");
    byte[] payload = fixture.metaPayload();
    // A pre-EvoMoE writer stopped before the EvoMoE section and the spawn section after it.
    byte[] old = Arrays.copyOf(payload, payload.length - EVO_SECTION - SPAWN_SECTION);
    try (MoeTrainer restored = TrainerSnapshots.restore(fixture.withMetaPayload(old))) {
      assertThat(restored.digest()).isEqualTo(fixture.digest());
      assertThat(restored.modelConfig().router().evo()).isEqualTo(EvoMoeConfig.defaults());
      assertThat(restored.modelConfig()).isEqualTo(DYNMOE_MODEL);
      assertThat(restored.trainConfig())
          .isEqualTo(DYNMOE_TRAIN.withSpawnMinUnrouted(0).withThresholdLrScale(1));
    }
  }

  @Test
  void aSnapshotWrittenBeforeTheSpawnThresholdReadsTheDefaultLifecycleKnobs() {
    for (String dir : List.of("position-coded/dynmoe", "position-coded/evomoe")) {
      StoredSnapshots fixture = StoredSnapshots.load(dir);
      byte[] payload = fixture.metaPayload();
      byte[] old = Arrays.copyOf(payload, payload.length - SPAWN_SECTION); // written before both
      try (MoeTrainer restored = TrainerSnapshots.restore(fixture.withMetaPayload(old));
          MoeTrainer current = TrainerSnapshots.restore(fixture.entries())) {
        assertThat(restored.trainConfig())
            .as(dir)
            .isEqualTo(current.trainConfig().withSpawnMinUnrouted(0).withThresholdLrScale(1));
        assertThat(restored.modelConfig()).as(dir).isEqualTo(current.modelConfig());
        assertThat(restored.digest()).as(dir).isEqualTo(fixture.digest());
      }
    }
  }

  /**
   * Captured again, the restored model has the fixture's tensor entries byte for byte (values and
   * AdamW moments), a JSON meta, and the same counters, slots and records after a second restore.
   */
  private static void assertRewrittenAsJsonLosesNothing(MoeTrainer restored, StoredSnapshots f) {
    List<SnapshotEntry> again = TrainerSnapshots.capture(restored);
    assertThat(again)
        .extracting(SnapshotEntry::key)
        .isEqualTo(f.entries().stream().map(SnapshotEntry::key).toList());
    for (int i = 1; i < again.size(); i++) {
      assertThat(again.get(i).bytes()).as(again.get(i).key()).isEqualTo(f.entries().get(i).bytes());
    }
    TrainerMeta legacy = TrainerMeta.of(restored);
    try (MoeTrainer twice = TrainerSnapshots.restore(again)) {
      TrainerMeta json = TrainerMeta.of(twice);
      assertThat(json.model()).isEqualTo(legacy.model());
      assertThat(json.train()).isEqualTo(legacy.train());
      assertThat(json.step()).isEqualTo(legacy.step());
      assertThat(json.rngState()).isEqualTo(legacy.rngState());
      assertThat(json.sharedAge()).isEqualTo(legacy.sharedAge());
      assertThat(json.slotAges()).isDeepEqualTo(legacy.slotAges());
      assertThat(json.active()).isDeepEqualTo(legacy.active());
      for (int l = 0; l < legacy.records().length; l++) {
        assertThat(json.records()[l].activations()).isEqualTo(legacy.records()[l].activations());
        assertThat(json.records()[l].unroutedSum()).isEqualTo(legacy.records()[l].unroutedSum());
        assertThat(json.records()[l].tokens()).isEqualTo(legacy.records()[l].tokens());
        assertThat(json.records()[l].unroutedTokens())
            .isEqualTo(legacy.records()[l].unroutedTokens());
      }
      assertThat(twice.digest()).isEqualTo(f.digest());
    }
  }
}
