package io.moestream.moe.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.lifecycle.ChangeKind;
import io.moestream.moe.lifecycle.RoutingRecords;
import io.moestream.moe.model.ModelInit;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DynMoE's lifecycle as an expert-set policy: window start 2, length 2, period 4 — steps 2, 3, 6, 7
 * record, the lifecycle runs after steps 3 and 7. One layer, 2 of 4 slots active at first.
 */
class DynMoeExpertSetTest {
  private static final int D = 16;

  private static MoeTrainer tiny() {
    ModelConfig mc = new ModelConfig(259, D, 1, 2, 8, 16, RouterConfig.dynMoe(2, 4));
    return MoeTrainer.create(mc, TrainConfig.defaults(5).withWindow(new RecordingWindow(2, 2, 4)));
  }

  /** Records of one batch: R_E per slot, and R_S along the first axis when some are unrouted. */
  private static RoutingRecords batch(long[] activations, long tokens, long unrouted) {
    double[] rs = new double[D];
    rs[0] = unrouted;
    return new RoutingRecords(activations, rs, tokens, unrouted);
  }

  private static float[] w1(MoeTrainer t, int slot) {
    return t.store().get(ModelInit.expertPrefix(0, slot) + "w1").toFloatArray();
  }

  @Test
  void recordsOnlyInsideTheWindowAndOnlyFiniteSteps() {
    try (MoeTrainer t = tiny()) {
      ExpertSetPolicy p = t.policy();
      for (long s = 0; s < 8; s++) {
        StepPlan plan = p.plan(s);
        boolean recording = s == 2 || s == 3 || s == 6 || s == 7;
        assertThat(plan.recordInto() != null).as("step %d records", s).isEqualTo(recording);
        assertThat(t.store().all()).allMatch(plan.trainable()::test);
      }
      p.records()[0].add(batch(new long[] {9, 9, 0, 0}, 9, 0)); // left from an older window
      StepPlan plan = p.plan(2); // a window begins: the old records go
      assertThat(p.records()[0].tokens()).isZero();
      plan.recordInto()[0].add(batch(new long[] {4, 0, 0, 0}, 4, 0));
      p.afterStep(2, plan, List.of(), false); // skipped: leaves no trace
      assertThat(p.records()[0].tokens()).isZero();
      p.afterStep(2, plan, List.of(), true);
      assertThat(p.records()[0].activations()).containsExactly(4, 0, 0, 0);
    }
  }

  @Test
  void theWindowsEndPrunesIdleExpertsAndSpawnsForUnroutedTokens() {
    try (MoeTrainer t = tiny()) {
      ExpertSetPolicy p = t.policy();
      StepPlan plan = p.plan(2);
      plan.recordInto()[0].add(batch(new long[] {6, 0, 0, 0}, 8, 2));
      assertThat(p.afterStep(2, plan, List.of(), true).changes()).isEmpty(); // not the end yet
      assertThat(w1(t, 1)).isNotEqualTo(w1(t, 0));
      ExpertSetChanges c = p.afterStep(3, p.plan(3), List.of(), true);
      // Slot 1 took no token: pruned; R_S ≠ 0: one spawn in the lowest free slot, slot 1 again.
      assertThat(c.changes())
          .extracting(ch -> ch.kind())
          .containsExactly(ChangeKind.PRUNED, ChangeKind.SPAWNED);
      assertThat(c.changes()).extracting(ch -> ch.slot()).containsExactly(1, 1);
      assertThat(c.changes().get(1).direction()[0]).isEqualTo(1.0);
      assertThat(c.refusedNoSlot() + c.refusedNonFinite()).isZero();
      assertThat(t.activeSlots()[0]).containsExactly(true, true, false, false);
      assertThat(t.gate(0).thresholds()[1]).isZero();
      // copy-nearest (the default) copies the only other active expert, slot 0
      assertThat(c.changes().get(1).initialisedFrom()).isEqualTo(0);
      assertThat(w1(t, 1)).isEqualTo(w1(t, 0));
      assertThat(p.records()[0].tokens()).as("records reset after the lifecycle").isZero();
    }
  }

  @Test
  void aSpawnWithNoFreeSlotIsRefusedAndCounted() {
    try (MoeTrainer t = tiny()) {
      t.restoreCounters(0, new boolean[][] {{true, true, true, true}});
      ExpertSetPolicy p = t.policy();
      StepPlan plan = p.plan(2);
      plan.recordInto()[0].add(batch(new long[] {1, 1, 1, 1}, 6, 2));
      p.afterStep(2, plan, List.of(), true);
      ExpertSetChanges c = p.afterStep(3, p.plan(3), List.of(), true);
      assertThat(c.changes()).isEmpty();
      assertThat(c.refusedNoSlot()).isEqualTo(1);
      assertThat(c.refusedNonFinite()).isZero();
    }
  }
}
