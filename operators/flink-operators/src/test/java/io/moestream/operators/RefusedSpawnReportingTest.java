package io.moestream.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.train.StepPhases;
import io.moestream.moe.train.StepResult;
import io.moestream.schemas.ExpertLifecycleEvent;
import io.moestream.schemas.TokenSequence;
import io.moestream.schemas.TrainingSummary;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/**
 * A DynMoE spawn refused because every slot is active (or because its gate column was not finite)
 * changes nothing in the model and emits no registry event, but it is never silent: the {@code
 * spawnsRefusedNoSlot} / {@code spawnsRefusedNonFinite} Flink counters and the training summary's
 * fields of the same names count it.
 */
class RefusedSpawnReportingTest {

  @Test
  void refusedSpawnsAreCountedInTheMetricsAndTheSummary() {
    CapturingMetricGroup group = new CapturingMetricGroup();
    ModelMetrics metrics = new ModelMetrics(group, "alpha", 2);
    SummaryWindow window = new SummaryWindow();
    for (StepResult r : List.of(step(3, 2, 0), step(4, 0, 0), step(7, 1, 1))) {
      metrics.record(r);
      window.add(r);
    }
    TrainingSummary s = window.emit("alpha", 8, 0);

    assertThat(group.counters.get("spawnsRefusedNoSlot").getCount()).isEqualTo(3);
    assertThat(group.counters.get("spawnsRefusedNonFinite").getCount()).isEqualTo(1);
    assertThat(group.counters.get("spawns").getCount()).isZero();
    assertThat(s.getSpawnsRefusedNoSlot()).isEqualTo(3);
    assertThat(s.getSpawnsRefusedNonFinite()).isEqualTo(1);
    assertThat(s.getSpawns()).isZero();
    window.add(step(9, 0, 0));
    TrainingSummary next = window.emit("alpha", 10, 0);
    assertThat(next.getSpawnsRefusedNoSlot()).as("a new window starts clean").isZero();
    assertThat(next.getSpawnsRefusedNonFinite()).isZero();
  }

  /**
   * The real operator, a model whose only slot is active from the start (E_init = E_max = 1): a
   * window whose unrouted tokens ask for an expert it has no room for is summarised. Which of the
   * two windows (after steps 3 and 7) saw unrouted tokens depends on training; the exact count per
   * lifecycle is held by LifecycleTest on hand-computed records and by the test above.
   */
  @Test
  void theTrainerOperatorSummarisesSpawnsRefusedForWantOfASlot() throws Exception {
    MoeTrainerOperator op =
        new MoeTrainerOperator(TrainerHarness.settings(RouterConfig.dynMoe(1, 1)));
    try (var h = TrainerHarness.harness(op)) {
      h.open();
      for (TokenSequence r : TrainerHarness.records("m1", 30, 6)) { // 11 steps, lifecycle 3, 7
        h.processElement(new StreamRecord<>(r, r.getEventTime().toEpochMilli()));
      }
      List<ExpertLifecycleEvent> events = h.extractOutputValues();
      assertThat(events).as("a refusal is no registry event").isEmpty();
      long refused = 0;
      for (StreamRecord<TrainingSummary> s : h.getSideOutput(MoeTrainerOperator.SUMMARIES)) {
        refused += s.getValue().getSpawnsRefusedNoSlot();
        assertThat(s.getValue().getSpawns()).isZero();
      }
      assertThat(refused).as("spawns refused in the summaries").isBetween(1L, 2L);
      assertThat(op.model("m1").activeCounts()).containsExactly(1);
    }
  }

  private static StepResult step(long step, int refusedNoSlot, int refusedNonFinite) {
    return new StepResult(
        step,
        18,
        2.5,
        0.0,
        1.0,
        false,
        new double[] {1.0, 1.0},
        new int[] {2, 2},
        36,
        new long[][] {{9, 9}, {9, 9}},
        List.of(),
        1_000_000,
        refusedNoSlot,
        refusedNonFinite,
        StepPhases.UNMEASURED);
  }
}
