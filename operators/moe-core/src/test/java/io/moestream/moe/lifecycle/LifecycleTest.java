package io.moestream.moe.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

  private static Lifecycle.Outcome runWith(
      NDManager m, boolean[] active, RoutingRecords rec, LifecycleRules rules, boolean[] settling) {
    int e = active.length;
    return Lifecycle.run(
        0, 9, m.ones(new Shape(2, e)), m.zeros(new Shape(e)), active, rec, rules, settling);
  }

  @Test
  void anExpertBelowThePruneShareIsPrunedWithItsShareAndCount() {
    try (NDManager m = NDManager.newBaseManager()) {
      boolean[] active = {true, true, true, true};
      // R_E = 60, 30, 8, 2 over 50 tokens, none unrouted: Σ R_E = 100 assignments, so the usage
      // shares are 0.60, 0.30, 0.08, 0.02. At p = 0.05 only slot 3 is below the bar.
      RoutingRecords rec = records(new long[] {60, 30, 8, 2}, new double[] {0, 0}, 50, 0);

      Lifecycle.Outcome o = runWith(m, active, rec, new LifecycleRules(0, 0.05), new boolean[4]);

      assertThat(o.changes()).hasSize(1);
      ExpertChange prune = o.changes().get(0);
      assertThat(prune.kind()).isEqualTo(ChangeKind.PRUNED);
      assertThat(prune.slot()).isEqualTo(3);
      assertThat(prune.activations()).isEqualTo(2);
      assertThat(prune.triggerShare()).isEqualTo(0.02);
      assertThat(prune.activeAfter()).isEqualTo(3);
      assertThat(active).containsExactly(true, true, true, false);
    }
  }

  @Test
  void theShareIsOfAssignmentsNotOfTokensAndTheBarIsStrict() {
    try (NDManager m = NDManager.newBaseManager()) {
      // 10 tokens, each activating 2 experts: Σ R_E = 20. Slot 2 was used by 1 token in 10
      // (10 % of the tokens) but holds 1 / 20 = 5 % of the assignments: pruned at p = 0.06, kept
      // at p = 0.05 (not below it).
      RoutingRecords rec = records(new long[] {10, 9, 1}, new double[] {0, 0}, 10, 0);

      boolean[] atFive = {true, true, true};
      assertThat(runWith(m, atFive, rec, new LifecycleRules(0, 0.05), new boolean[3]).changes())
          .isEmpty();

      boolean[] atSix = {true, true, true};
      Lifecycle.Outcome o = runWith(m, atSix, rec, new LifecycleRules(0, 0.06), new boolean[3]);
      assertThat(o.changes()).extracting(ExpertChange::slot).containsExactly(2);
      assertThat(o.changes().get(0).triggerShare()).isEqualTo(0.05);
    }
  }

  @Test
  void theBarIsComparedWithTheReportedShareSoAShareExactlyAtItStays() {
    try (NDManager m = NDManager.newBaseManager()) {
      // 7 of 100 assignments: share 0.07 exactly as reported, while 0.07 · 100 rounds to
      // 7.000000000000001 — a product comparison would prune it at p = 0.07. Kept: not below.
      RoutingRecords rec = records(new long[] {60, 33, 7}, new double[] {0, 0}, 100, 0);
      boolean[] active = {true, true, true};
      assertThat(runWith(m, active, rec, new LifecycleRules(0, 0.07), new boolean[3]).changes())
          .isEmpty();
      // and the spawn gate likewise: 7 unrouted of 100 tokens meets a 0.07 minimum
      RoutingRecords unrouted = records(new long[] {60, 33, 0}, new double[] {1, 0}, 100, 7);
      boolean[] two = {true, true, false};
      Lifecycle.Outcome o = runWith(m, two, unrouted, new LifecycleRules(0.07, 0), new boolean[3]);
      assertThat(o.changes()).extracting(ExpertChange::kind).containsExactly(ChangeKind.SPAWNED);
      assertThat(o.changes().get(0).triggerShare()).isEqualTo(0.07);
    }
  }

  @Test
  void theMostUsedExpertIsNeverPrunedOnShareSoALayerKeepsOne() {
    try (NDManager m = NDManager.newBaseManager()) {
      // Shares 0.34, 0.33, 0.33 are all below p = 0.5: the most-used slot (0) stays.
      boolean[] active = {true, true, true, false};
      RoutingRecords rec = records(new long[] {34, 33, 33, 0}, new double[] {0, 0}, 100, 0);

      Lifecycle.Outcome o = runWith(m, active, rec, new LifecycleRules(0, 0.5), new boolean[4]);

      assertThat(o.changes()).extracting(ExpertChange::slot).containsExactly(1, 2);
      assertThat(active).containsExactly(true, false, false, false);
      // on a tie the lowest slot is the one kept
      boolean[] tie = {true, true};
      RoutingRecords even = records(new long[] {5, 5}, new double[] {0, 0}, 10, 0);
      assertThat(runWith(m, tie, even, new LifecycleRules(0, 0.9), new boolean[2]).changes())
          .extracting(ExpertChange::slot)
          .containsExactly(1);
      assertThat(tie).containsExactly(true, false);
    }
  }

  @Test
  void aSettlingExpertEscapesTheShareRuleButNotTheZeroRule() {
    try (NDManager m = NDManager.newBaseManager()) {
      // Slot 2 (share 0.01) and slot 3 (unused) were spawned at the previous window's end.
      boolean[] active = {true, true, true, true};
      boolean[] settling = {false, false, true, true};
      RoutingRecords rec = records(new long[] {70, 29, 1, 0}, new double[] {0, 0}, 100, 0);

      Lifecycle.Outcome o = runWith(m, active, rec, new LifecycleRules(0, 0.05), settling);

      assertThat(o.changes()).extracting(ExpertChange::slot).containsExactly(3);
      assertThat(o.changes().get(0).triggerShare()).isZero();
      assertThat(active).containsExactly(true, true, true, false);
    }
  }

  @Test
  void aShareOfZeroIsTheOfficialRuleExactly() {
    try (NDManager m = NDManager.newBaseManager()) {
      // the first test's window: only the unused slot 1 goes, however small slot 2's share
      boolean[] official = {true, true, true, false};
      boolean[] viaRules = official.clone();
      RoutingRecords rec = records(new long[] {500, 0, 1, 0}, new double[] {3, 4}, 10, 2);

      List<ExpertChange> a =
          Lifecycle.run(0, 9, m.ones(new Shape(2, 4)), m.zeros(new Shape(4)), official, rec, 0)
              .changes();
      List<ExpertChange> b =
          runWith(m, viaRules, rec, LifecycleRules.OFFICIAL, new boolean[4]).changes();

      assertThat(b).hasSameSizeAs(a);
      for (int i = 0; i < a.size(); i++) { // records with NaN and arrays: compare what they say
        assertThat(b.get(i).toString()).isEqualTo(a.get(i).toString());
        assertThat(b.get(i).direction()).containsExactly(a.get(i).direction());
        assertThat(b.get(i).activations()).isEqualTo(a.get(i).activations());
        assertThat(b.get(i).triggerShare()).isEqualTo(a.get(i).triggerShare());
      }
      assertThat(viaRules).containsExactly(official);
      assertThat(a)
          .extracting(ExpertChange::kind)
          .containsExactly(ChangeKind.PRUNED, ChangeKind.SPAWNED);
    }
  }

  @Test
  void aSpawnCarriesTheUnroutedShareThatTriggeredIt() {
    try (NDManager m = NDManager.newBaseManager()) {
      boolean[] active = {true, false};
      // 3 of 40 tokens unrouted: 7.5 %, at or above a 5 % minimum
      RoutingRecords rec = records(new long[] {37, 0}, new double[] {0, 2}, 40, 3);

      Lifecycle.Outcome o = runWith(m, active, rec, new LifecycleRules(0.05, 0), new boolean[2]);

      assertThat(o.changes()).extracting(ExpertChange::kind).containsExactly(ChangeKind.SPAWNED);
      assertThat(o.changes().get(0).triggerShare()).isEqualTo(0.075);
    }
  }

  @Test
  void rulesOutsideTheUnitIntervalAreRefused() {
    assertThatThrownBy(() -> new LifecycleRules(1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("minimum unrouted share");
    assertThatThrownBy(() -> new LifecycleRules(0, -0.1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maximum usage share");
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
