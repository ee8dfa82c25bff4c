package io.moestream.moe.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.moestream.moe.config.RecordingWindow;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Prune-then-spawn on hand-made routing records (DESIGN §2.1). */
class LifecycleTest {

  private static RoutingRecords records(long[] re, double[] rs, long tokens, long unrouted) {
    return new RoutingRecords(re, rs, tokens, unrouted);
  }

  @Test
  void prunesIdleExpertsThenSpawnsIntoTheLowestFreeSlotWhichMayBeOneJustPruned() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray sim = m.ones(new Shape(2, 4));
      NDArray thr = m.create(new float[] {0.5f, 0.5f, 0.5f, 0.5f});
      boolean[] active = {true, true, true, false};
      RoutingRecords rec = records(new long[] {5, 0, 3, 0}, new double[] {3, 4}, 10, 2);

      List<ExpertChange> changes = Lifecycle.run(1, 99, sim, thr, active, rec, 0).changes();

      assertThat(changes)
          .extracting(ExpertChange::kind)
          .containsExactly(ChangeKind.PRUNED, ChangeKind.SPAWNED);
      assertThat(changes.get(0).slot()).isEqualTo(1);
      assertThat(changes.get(0).activeAfter()).isEqualTo(2);
      ExpertChange spawn = changes.get(1);
      assertThat(spawn.slot()).isEqualTo(1); // the slot just pruned is the lowest free one
      assertThat(spawn.direction()).containsExactly(0.6, 0.8); // R_S / ||R_S|| = (3,4)/5
      assertThat(spawn.layer()).isEqualTo(1);
      assertThat(spawn.step()).isEqualTo(99);
      assertThat(spawn.windowTokens()).isEqualTo(10);
      assertThat(spawn.unroutedTokens()).isEqualTo(2);
      assertThat(spawn.activeAfter()).isEqualTo(3);
      assertThat(active).containsExactly(true, true, true, false);
      assertThat(sim.toFloatArray()).containsExactly(1f, 0.6f, 1f, 1f, 1f, 0.8f, 1f, 1f);
      assertThat(thr.toFloatArray()).containsExactly(0.5f, 0f, 0.5f, 0.5f);
    }
  }

  @Test
  void everyIdleExpertIsPrunedAndNothingSpawnsWhenAllTokensWereRouted() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray sim = m.ones(new Shape(2, 3));
      NDArray thr = m.zeros(new Shape(3));
      boolean[] active = {true, true, true};
      RoutingRecords rec = records(new long[] {0, 7, 0}, new double[] {0, 0}, 7, 0);

      List<ExpertChange> changes = Lifecycle.run(0, 5, sim, thr, active, rec, 0).changes();

      assertThat(changes).extracting(ExpertChange::slot).containsExactly(0, 2);
      assertThat(changes).allMatch(c -> c.kind() == ChangeKind.PRUNED);
      assertThat(active).containsExactly(false, true, false);
      assertThat(sim.toFloatArray()).containsOnly(1f); // pruned weights are kept for audit
    }
  }

  @Test
  void aWindowThatSawNoTokensChangesNothing() {
    try (NDManager m = NDManager.newBaseManager()) {
      boolean[] active = {true, false};
      List<ExpertChange> changes =
          Lifecycle.run(
                  0,
                  1,
                  m.ones(new Shape(2, 2)),
                  m.zeros(new Shape(2)),
                  active,
                  new RoutingRecords(2, 2),
                  0)
              .changes();
      assertThat(changes).isEmpty();
      assertThat(active).containsExactly(true, false);
    }
  }

  @Test
  void withEveryPreallocatedSlotInUseNoExpertSpawns() {
    try (NDManager m = NDManager.newBaseManager()) {
      boolean[] active = {true, true};
      RoutingRecords rec = records(new long[] {1, 1}, new double[] {1, 0}, 4, 2);
      List<ExpertChange> changes =
          Lifecycle.run(0, 1, m.ones(new Shape(2, 2)), m.zeros(new Shape(2)), active, rec, 0)
              .changes();
      assertThat(changes).isEmpty();
    }
  }

  @Test
  void withEverySlotInUseAnAskedForSpawnIsRefusedAndCounted() {
    try (NDManager m = NDManager.newBaseManager()) {
      boolean[] active = {true, true};
      NDArray sim = m.ones(new Shape(2, 2));
      NDArray thr = m.zeros(new Shape(2));
      // both experts took tokens (no prune), 2 of 4 tokens went nowhere: R_S = (1, 0) asks for one
      RoutingRecords rec = records(new long[] {1, 1}, new double[] {1, 0}, 4, 2);

      Lifecycle.Outcome o = Lifecycle.run(0, 1, sim, thr, active, rec, 0);

      assertThat(o.changes()).isEmpty();
      assertThat(o.refused()).isEqualTo(SpawnRefusal.NO_FREE_SLOT);
      assertThat(active).containsExactly(true, true);
      assertThat(sim.toFloatArray()).containsOnly(1f);
      assertThat(thr.toFloatArray()).containsOnly(0f);
    }
  }

  @Test
  void nothingIsRefusedWhenNoTokenWentUnrouted() {
    try (NDManager m = NDManager.newBaseManager()) {
      boolean[] active = {true, true};
      RoutingRecords rec = records(new long[] {2, 2}, new double[] {0, 0}, 4, 0);
      Lifecycle.Outcome o =
          Lifecycle.run(0, 1, m.ones(new Shape(2, 2)), m.zeros(new Shape(2)), active, rec, 0);
      assertThat(o.changes()).isEmpty();
      assertThat(o.refused()).isEqualTo(SpawnRefusal.NONE);
    }
  }

  /**
   * R_S = (NaN, 1) — what an overflowing batch once left in the records: unit(R_S) is NaN and must
   * never become a gate column (a checkpointed parameter). A free slot is there; the idle expert is
   * still pruned.
   */
  @Test
  void aNonFiniteUnroutedSumSpawnsNothing() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray sim = m.ones(new Shape(2, 3));
      NDArray thr = m.create(new float[] {0.5f, 0.5f, 0.5f});
      boolean[] active = {true, true, false};
      RoutingRecords rec = records(new long[] {3, 0, 0}, new double[] {Double.NaN, 1}, 5, 2);

      List<ExpertChange> changes = Lifecycle.run(0, 7, sim, thr, active, rec, 0).changes();

      assertThat(changes).extracting(ExpertChange::kind).containsExactly(ChangeKind.PRUNED);
      assertThat(active).containsExactly(true, false, false);
      assertThat(sim.toFloatArray()).containsOnly(1f);
      assertThat(thr.toFloatArray()).containsOnly(0.5f);
    }
  }

  @Test
  void aNonFiniteDirectionIsReportedAsTheRefusal() {
    try (NDManager m = NDManager.newBaseManager()) {
      boolean[] active = {true, false};
      // ||R_S|| overflows to infinity: the unit vector is (0, NaN) — not finite either
      RoutingRecords rec =
          records(new long[] {4, 0}, new double[] {1, Double.POSITIVE_INFINITY}, 6, 2);
      Lifecycle.Outcome o =
          Lifecycle.run(0, 1, m.ones(new Shape(2, 2)), m.zeros(new Shape(2)), active, rec, 0);
      assertThat(o.changes()).isEmpty();
      assertThat(o.refused()).isEqualTo(SpawnRefusal.NON_FINITE_DIRECTION);
      assertThat(active).containsExactly(true, false);
    }
  }

  @Test
  void aMinimumUnroutedShareHoldsBackASpawnUntilEnoughTokensWentNowhere() {
    try (NDManager m = NDManager.newBaseManager()) {
      boolean[] active = {true, false};
      // 2 of 10 tokens unrouted: 20 % — below a 25 % bar, at a 20 % bar
      RoutingRecords rec = records(new long[] {8, 0}, new double[] {1, 0}, 10, 2);
      NDArray sim = m.ones(new Shape(2, 2));
      NDArray thr = m.zeros(new Shape(2));

      assertThat(Lifecycle.run(0, 1, sim, thr, active, rec, 0.25).changes()).isEmpty();
      assertThat(active).containsExactly(true, false);

      List<ExpertChange> changes = Lifecycle.run(0, 1, sim, thr, active, rec, 0.2).changes();
      assertThat(changes).extracting(ExpertChange::kind).containsExactly(ChangeKind.SPAWNED);
      assertThat(active).containsExactly(true, true);
    }
  }

  @Test
  void windowScheduleMatchesTheOfficialOne() {
    RecordingWindow w = RecordingWindow.officialDefault();
    assertThat(w.isRecording(299)).isFalse();
    assertThat(w.beginsAt(300)).isTrue();
    assertThat(w.isRecording(300)).isTrue();
    assertThat(w.endsAfter(599)).isTrue();
    assertThat(w.isRecording(600)).isFalse();
    assertThat(w.beginsAt(1200)).isTrue();
    assertThat(w.endsAfter(1499)).isTrue();
  }
}
