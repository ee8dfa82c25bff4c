package io.moestream.moe.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.moe.config.EvoMoeConfig;
import io.moestream.moe.config.EvoMoeConfig.Stage;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.lifecycle.ChangeKind;
import io.moestream.moe.lifecycle.ExpertChange;
import io.moestream.moe.model.ModelInit;
import io.moestream.moe.router.DtrRouter;
import io.moestream.moe.tensor.Param;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * EvoMoE's schedule as an expert-set policy, step by step: warm-up 3 steps (0..2), evolution 2
 * steps (3..4), DTR from step 5. The stage changes after steps 2 and 4.
 */
class EvoMoeScheduleTest {
  private static final EvoMoeConfig PAPER = EvoMoeConfig.paper(3, 2);
  private static final EvoMoeConfig NO_EVOLUTION =
      new EvoMoeConfig(
          3, 2, EvoMoeConfig.PAPER_BETA_LOW, EvoMoeConfig.PAPER_BETA_HIGH, 32, 4, 2, true, false);

  private static MoeTrainer tiny(EvoMoeConfig evo) {
    ModelConfig mc = new ModelConfig(259, 16, 2, 2, 8, 16, RouterConfig.evoMoe(4, evo));
    return MoeTrainer.create(mc, TrainConfig.defaults(11));
  }

  private static float[] w1(MoeTrainer t, int layer, int slot) {
    return t.store().get(ModelInit.expertPrefix(layer, slot) + "w1").toFloatArray();
  }

  private static boolean replicated(MoeTrainer t) {
    for (int l = 0; l < 2; l++) {
      for (int n = 1; n < 4; n++) {
        if (!java.util.Arrays.equals(w1(t, l, n), w1(t, l, 0))) {
          return false;
        }
      }
    }
    return true;
  }

  @Test
  void eachStageTrainsWhatThePaperTrains() {
    try (MoeTrainer t = tiny(PAPER)) {
      Param wte = t.store().param("wte");
      Param first = t.store().param(ModelInit.expertPrefix(1, 0) + "w1");
      Param evolved = t.store().param(ModelInit.expertPrefix(1, 2) + "w1");
      Param dtr = t.store().param(DtrRouter.prefix(1) + "router.weight");
      // {wte, expert 0, expert 2, DTR} per step
      boolean[][] want = {
        {true, true, false, false}, // 0 warm-up
        {true, true, false, false}, // 1
        {true, true, false, false}, // 2
        {false, true, false, false}, // 3 evolution: expert 0 only
        {false, true, false, false}, // 4
        {false, false, false, true}, // 5 DTR: the router only
        {false, false, false, true}, // 6
      };
      for (int s = 0; s < want.length; s++) {
        StepPlan plan = t.policy().plan(s);
        assertThat(plan.recordInto()).as("step %d", s).isNull();
        boolean[] got = {
          plan.trainable().test(wte),
          plan.trainable().test(first),
          plan.trainable().test(evolved),
          plan.trainable().test(dtr)
        };
        assertThat(got).as("step %d", s).isEqualTo(want[s]);
      }
      assertThat(t.policy().stage(2)).isEqualTo(Stage.WARMUP);
      assertThat(t.policy().stage(3)).isEqualTo(Stage.EVOLUTION);
      assertThat(t.policy().stage(5)).isEqualTo(Stage.DTR);
    }
  }

  @Test
  void withEvolutionTheExpertsAreCopiedAfterWarmUpAndBlendedDuringEvolution() {
    try (MoeTrainer t = tiny(PAPER)) {
      assertThat(replicated(t)).isFalse();
      float[][] before = new float[4][];
      for (long s = 0; s < 8; s++) {
        if (s == 3) { // θ_0 := 0 in layer 0, so the blend leaves θ_n = β_n θ_n
          String w1 = ModelInit.expertPrefix(0, 0) + "w1";
          t.store().assign(w1, new float[w1(t, 0, 0).length]);
          for (int n = 1; n < 4; n++) {
            before[n] = w1(t, 0, n);
          }
        }
        long rng = t.rng().state();
        List<ExpertChange> changes =
            t.policy().afterStep(s, t.policy().plan(s), List.of(), true).changes();
        if (s == 2) {
          assertStage(changes, 2, "EVOLUTION");
          assertThat(replicated(t)).as("copies of expert 0 after warm-up").isTrue();
        } else if (s == 4) {
          assertStage(changes, 4, "DTR");
        } else {
          assertThat(changes).as("step %d", s).isEmpty();
        }
        boolean evolution = s == 3 || s == 4;
        // One β per evolved expert per evolution step, from the trainer's RNG; none elsewhere.
        assertThat(t.rng().state() != rng).as("RNG drawn at step %d", s).isEqualTo(evolution);
        if (s == 3) {
          double[][] ranges = {{0.9, 0.99}, {0.8, 0.89}, {0.7, 0.79}};
          for (int n = 1; n < 4; n++) {
            float[] now = w1(t, 0, n);
            int k = largest(before[n]);
            double beta = now[k] / (double) before[n][k];
            assertThat(beta)
                .as("β_%d", n)
                .isBetween(ranges[n - 1][0] - 1e-6, ranges[n - 1][1] + 1e-6);
          }
        }
      }
    }
  }

  @Test
  void withoutEvolutionTheExpertsAreCopiedWhenTheDtrBegins() {
    try (MoeTrainer t = tiny(NO_EVOLUTION)) {
      for (long s = 0; s < 8; s++) {
        long rng = t.rng().state();
        List<ExpertChange> changes =
            t.policy().afterStep(s, t.policy().plan(s), List.of(), s % 2 == 0).changes();
        assertThat(t.rng().state()).isEqualTo(rng);
        if (s == 2) {
          assertStage(changes, 2, "EVOLUTION");
          assertThat(replicated(t)).as("not yet: evolution trains expert 0 alone").isFalse();
        } else if (s == 4) {
          assertStage(changes, 4, "DTR");
          assertThat(replicated(t)).isTrue();
        } else {
          assertThat(changes).as("step %d", s).isEmpty();
        }
      }
    }
  }

  @Test
  void aScheduleThatStartsPastTheCopyStartsFromCopies() {
    try (MoeTrainer past = tiny(EvoMoeConfig.paper(0, 2));
        MoeTrainer atStart = tiny(PAPER)) {
      assertThat(replicated(past)).isTrue();
      assertThat(replicated(atStart)).isFalse();
    }
  }

  private static int largest(float[] v) {
    int k = 0;
    for (int i = 1; i < v.length; i++) {
      k = Math.abs(v[i]) > Math.abs(v[k]) ? i : k;
    }
    return k;
  }

  private static void assertStage(List<ExpertChange> changes, long step, String stage) {
    assertThat(changes)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.kind()).isEqualTo(ChangeKind.STAGE_CHANGED);
              assertThat(c.step()).isEqualTo(step);
              assertThat(c.stage()).isEqualTo(stage);
            });
  }
}
