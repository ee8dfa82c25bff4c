package io.moestream.moe.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.moestream.moe.codec.EntryChunks;
import io.moestream.moe.codec.MapChunkStore;
import io.moestream.moe.codec.SnapshotCodec;
import io.moestream.moe.codec.SnapshotEntry;
import io.moestream.moe.config.EvoMoeConfig;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The snapshot round trip is bit-exact and a restored trainer continues identically. */
class TrainerSnapshotsTest {

  static MoeTrainer trainer() {
    ModelConfig mc = new ModelConfig(259, 16, 2, 2, 8, 16, RouterConfig.dynMoe(2, 4));
    TrainConfig tc = TrainConfig.defaults(11).withWindow(new RecordingWindow(2, 3, 4));
    return MoeTrainer.create(mc, tc);
  }

  @Test
  void restoredTrainerContinuesExactlyLikeTheOriginal() {
    try (MoeTrainer original = trainer()) {
      for (int i = 0; i < 7; i++) { // mid-window: records are non-empty
        original.train(AdamWSlotStateTest.batch(3, 8, i));
      }
      List<SnapshotEntry> entries = TrainerSnapshots.capture(original);
      assertThat(entries)
          .extracting(SnapshotEntry::key)
          .contains("meta", "shared", "slot/0/0", "slot/1/3")
          .hasSize(2 + 2 * 4);
      try (MoeTrainer restored = TrainerSnapshots.restore(entries)) {
        assertThat(restored.digest()).isEqualTo(original.digest());
        assertThat(restored.step()).isEqualTo(7);
        List<SnapshotEntry> again = TrainerSnapshots.capture(restored);
        for (int i = 0; i < entries.size(); i++) {
          assertThat(again.get(i).bytes())
              .as(entries.get(i).key())
              .isEqualTo(entries.get(i).bytes());
        }
        for (int i = 7; i < 15; i++) {
          StepResult a = original.train(AdamWSlotStateTest.batch(3, 8, i));
          StepResult b = restored.train(AdamWSlotStateTest.batch(3, 8, i));
          assertThat(b.prequentialLoss()).isEqualTo(a.prequentialLoss());
          assertThat(b.changes()).hasSameSizeAs(a.changes());
        }
        assertThat(restored.digest()).isEqualTo(original.digest());
      }
    }
  }

  @Test
  void aModelCapturedInSmallChunksJoinsToTheWholeEntriesAndRestoresIdentically() {
    try (MoeTrainer original = trainer()) {
      for (int i = 0; i < 5; i++) {
        original.train(AdamWSlotStateTest.batch(3, 8, i));
      }
      List<SnapshotEntry> whole = TrainerSnapshots.capture(original);
      MapChunkStore store = new MapChunkStore();
      int chunk = 4096; // the job's 256 MB, lowered so this small model's entries split
      long bytes = TrainerSnapshots.capture(original, null, chunk, store);
      assertThat(store.values).containsKeys("shared", "shared#1", "slot/1/3");
      assertThat(store.values.values())
          .allSatisfy(v -> assertThat(v.length).isLessThanOrEqualTo(chunk));
      long total = 0;
      for (SnapshotEntry e : whole) {
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (int i = 0; store.get(EntryChunks.chunkKey(e.key(), i)) != null; i++) {
          joined.writeBytes(store.get(EntryChunks.chunkKey(e.key(), i)));
        }
        assertThat(joined.toByteArray()).as(e.key()).isEqualTo(e.bytes());
        total += e.bytes().length;
      }
      assertThat(bytes).isEqualTo(total);
      assertThat(TrainerSnapshots.entryKeys(store))
          .containsAll(whole.stream().map(SnapshotEntry::key).toList());
      try (MoeTrainer chunked = TrainerSnapshots.restore(store, null);
          MoeTrainer unchunked = TrainerSnapshots.restore(whole)) {
        assertThat(chunked.digest()).isEqualTo(original.digest());
        assertThat(unchunked.digest()).isEqualTo(original.digest());
        StepResult a = original.train(AdamWSlotStateTest.batch(3, 8, 5));
        StepResult b = chunked.train(AdamWSlotStateTest.batch(3, 8, 5));
        assertThat(b.prequentialLoss()).isEqualTo(a.prequentialLoss());
      }
    }
  }

  @Test
  void entryKeysNameEveryEntryOfEveryRouterKind() {
    for (RouterConfig r :
        List.of(
            RouterConfig.dynMoe(2, 4),
            RouterConfig.topK(3, 2),
            RouterConfig.topP(3, 0.4),
            RouterConfig.nullExperts(3, 2, 2),
            RouterConfig.dense(),
            RouterConfig.evoMoe(3, EvoMoeConfig.defaults()))) {
      ModelConfig mc = new ModelConfig(259, 16, 2, 2, 8, 16, r);
      try (MoeTrainer t = MoeTrainer.create(mc, TrainConfig.defaults(3))) {
        MapChunkStore store = new MapChunkStore();
        TrainerSnapshots.capture(t, null, 1 << 20, store);
        assertThat(TrainerSnapshots.entryKeys(store))
            .as(r.kind().name())
            .containsAll(store.values.keySet());
      }
    }
  }

  @Test
  void aCorruptedOrTruncatedEntryIsRefusedWithItsKey() {
    try (MoeTrainer t = trainer()) {
      List<SnapshotEntry> entries = new ArrayList<>(TrainerSnapshots.capture(t));
      byte[] bytes = entries.get(2).bytes();
      bytes[bytes.length / 2] ^= 0x01;
      entries.set(2, new SnapshotEntry(entries.get(2).key(), bytes));
      assertThatThrownBy(() -> TrainerSnapshots.restore(entries))
          .isInstanceOf(SnapshotCodec.CorruptSnapshotException.class)
          .hasMessageContaining(entries.get(2).key())
          .hasMessageContaining("checksum");

      List<SnapshotEntry> truncated = new ArrayList<>(TrainerSnapshots.capture(t));
      truncated.set(0, new SnapshotEntry("meta", new byte[5]));
      assertThatThrownBy(() -> TrainerSnapshots.restore(truncated))
          .hasMessageContaining("meta")
          .hasMessageContaining("truncated");
    }
  }

  @Test
  void theLifecycleKnobsSurviveARoundTrip() {
    ModelConfig mc = new ModelConfig(259, 16, 2, 2, 8, 16, RouterConfig.dynMoe(2, 4));
    TrainConfig tc =
        TrainConfig.defaults(11)
            .withWindow(new RecordingWindow(2, 3, 4))
            .withSpawnMinUnrouted(0.05);
    try (MoeTrainer original = MoeTrainer.create(mc, tc)) {
      original.train(AdamWSlotStateTest.batch(3, 8, 0));
      List<SnapshotEntry> entries = new ArrayList<>(TrainerSnapshots.capture(original));
      try (MoeTrainer restored = TrainerSnapshots.restore(entries)) {
        assertThat(restored.trainConfig()).isEqualTo(tc);
      }
    }
  }
}
