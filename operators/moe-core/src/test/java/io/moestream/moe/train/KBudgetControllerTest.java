package io.moestream.moe.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.moestream.moe.config.KBudget;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.model.LayerStats;
import org.junit.jupiter.api.Test;

/** The budget controller's rule on hand-computed values, then inside a trainer. */
class KBudgetControllerTest {
  private static final KBudget K17 = KBudget.of(1.7);

  @Test
  void theShiftIsTheStepTimesTheClippedExcess() {
    KBudget u = K17.withStep(0.05);
    // too many: raise G by 0.05 · (1.9 − 1.7) = 0.01; too few: lower it by 0.05 · 0.5
    assertThat(KBudgetController.shift(1.9, 100, u)).isCloseTo(0.01, within(1e-12));
    assertThat(KBudgetController.shift(1.2, 100, u)).isCloseTo(-0.025, within(1e-12));
    assertThat(KBudgetController.shift(1.7, 100, u)).isEqualTo(0.0); // on target
    assertThat(KBudgetController.shift(6.0, 100, u)).isEqualTo(0.05); // clipped at +1
    assertThat(KBudgetController.shift(0.0, 100, u)).isEqualTo(-0.05); // clipped at −1
    assertThat(KBudgetController.shift(3.0, 0, u)).isEqualTo(0.0); // no token, no evidence
    assertThat(KBudgetController.shift(3.0, 100, KBudget.off())).isEqualTo(0.0);
  }

  @Test
  void itMovesTheActiveThresholdsOnlyInPlace() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray g = m.create(new float[] {0.2f, -0.1f, 0.0f, 0.5f});
      KBudget u = K17.withStep(0.1);
      // 180 pairs over 100 tokens: k̄ = 1.8 → +0.1 · 0.1 = +0.01 on slots 0, 1, 3
      LayerStats stats = new LayerStats(100, 180, new long[] {90, 60, 0, 30}, 4);
      double d = KBudgetController.apply(g, new boolean[] {true, true, false, true}, stats, u);
      assertThat(d).isCloseTo(0.01, within(1e-12));
      assertThat(g.toFloatArray())
          .containsExactly(new float[] {0.21f, -0.09f, 0f, 0.51f}, within(1e-6f));
      // 160 pairs: k̄ = 1.6 → 0.1 · (−0.1) = −0.01, back where it started
      KBudgetController.apply(
          g, new boolean[] {true, true, false, true}, new LayerStats(100, 160, new long[4], 0), u);
      assertThat(g.toFloatArray())
          .containsExactly(new float[] {0.2f, -0.1f, 0f, 0.5f}, within(1e-6f));
    }
  }

  @Test
  void theThresholdsStopAtOnePlusTheStepBeyondWhichTheyDecideNothing() {
    try (NDManager m = NDManager.newBaseManager()) {
      // One active expert and K = 1.5: every token already runs it (k̄ = 1 < K for ever), so each
      // step lowers G by 0.1 · 0.5 = 0.05 — until the clamp at −(1 + 0.1) = −1.1.
      KBudget u = K17.withStep(0.1);
      assertThat(KBudgetController.bound(u)).isCloseTo(1.1, within(1e-12));
      KBudget k15 = KBudget.of(1.5).withStep(0.1);
      NDArray g = m.create(new float[] {-1.02f, 1.3f});
      boolean[] active = {true, false};
      LayerStats allOnOne = new LayerStats(100, 100, new long[] {100, 0}, 0);
      KBudgetController.apply(g, active, allOnOne, k15); // −1.02 − 0.05 = −1.07: inside
      assertThat(g.toFloatArray()[0]).isCloseTo(-1.07f, within(1e-6f));
      KBudgetController.apply(g, active, allOnOne, k15); // −1.12 → clamped to −1.1
      KBudgetController.apply(g, active, allOnOne, k15); // stays −1.1
      // the inactive slot's 1.3 is clamped too (harmless: a spawn resets a slot's threshold)
      assertThat(g.toFloatArray()).containsExactly(new float[] {-1.1f, 1.1f}, within(1e-6f));
      // and the way back up starts at once: k̄ = 2.5 → +0.1
      KBudgetController.apply(g, active, new LayerStats(100, 250, new long[2], 0), k15);
      assertThat(g.toFloatArray()[0]).isCloseTo(-1.0f, within(1e-6f));
    }
  }

  @Test
  void inATrainerTheThresholdsFollowTheMeasuredAverageK() {
    // Gradients on G off (threshold lr scale 0) and no window inside the run, so after n steps each
    // active threshold is exactly Σ_s u·clip(k̄_s − K, −1, 1) over the k̄ the steps reported.
    ModelConfig mc = new ModelConfig(259, 16, 2, 2, 8, 16, RouterConfig.dynMoe(3, 4));
    KBudget budget = KBudget.of(1.5).withStep(0.05);
    TrainConfig tc =
        TrainConfig.defaults(5)
            .withWindow(new RecordingWindow(1000, 10, 1000))
            .withThresholdLrScale(0)
            .withBudget(budget);
    double[] expected = new double[2];
    boolean moved = false;
    try (MoeTrainer t = MoeTrainer.create(mc, tc)) {
      for (int i = 0; i < 8; i++) {
        StepResult r = t.train(AdamWSlotStateTest.batch(3, 8, i));
        for (int l = 0; l < 2; l++) {
          // the fallback is on: every token runs at least one of the active experts
          assertThat(r.avgK()[l]).isBetween(1.0, 3.0);
          expected[l] += 0.05 * Math.max(-1, Math.min(1, r.avgK()[l] - 1.5));
        }
      }
      for (int l = 0; l < 2; l++) {
        double[] g = t.gate(l).thresholds();
        assertThat(g[0]).isCloseTo(expected[l], within(1e-5));
        assertThat(g[1]).isCloseTo(expected[l], within(1e-5));
        assertThat(g[2]).isCloseTo(expected[l], within(1e-5));
        assertThat(g[3]).as("inactive slot").isEqualTo(0.0);
        moved |= expected[l] != 0;
      }
    }
    assertThat(moved).as("the controller acted").isTrue();
  }
}
