package io.moestream.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.moe.train.StepPhases;
import io.moestream.moe.train.StepResult;
import io.moestream.schemas.TrainingSummary;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A step skipped for a non-finite loss (NonFiniteStepTest shows the model is untouched) is counted
 * in the {@code skippedSteps} Flink metric and flagged in the next training summary.
 */
class SkippedStepReportingTest {

  @Test
  void aSkippedStepIsCountedAndFlaggedInTheSummary() {
    CapturingMetricGroup group = new CapturingMetricGroup();
    ModelMetrics metrics = new ModelMetrics(group, "alpha", 1);
    SummaryWindow window = new SummaryWindow();
    for (StepResult r : List.of(step(0, 2.5, false), step(1, Double.NaN, true))) {
      metrics.record(r);
      window.add(r);
    }
    TrainingSummary s = window.emit("alpha", 2, 0);

    assertThat(group.counters.get("skippedSteps").getCount()).isEqualTo(1);
    assertThat(group.counters.get("steps").getCount()).isEqualTo(2);
    assertThat(s.getSkippedSteps()).isEqualTo(1);
    window.add(step(2, 2.4, false));
    assertThat(window.emit("alpha", 3, 0).getSkippedSteps())
        .as("a new window starts clean")
        .isZero();
  }

  private static StepResult step(long step, double loss, boolean skipped) {
    return new StepResult(
        step,
        64,
        loss,
        0.0,
        skipped ? Double.NaN : 1.0,
        skipped,
        new double[] {1.0},
        new int[] {2},
        64,
        new long[][] {{32, 32}},
        List.of(),
        1_000_000,
        0,
        0,
        StepPhases.UNMEASURED);
  }
}
