package io.moestream.moe.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.Shape;
import io.moestream.moe.config.EvoMoeConfig;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.SpawnPolicy;
import io.moestream.moe.config.TrainConfig;
import org.junit.jupiter.api.Test;

/**
 * DJL scoping: the trainer's root manager is capped after construction, so a tensor created outside
 * a step's sub-manager fails loudly; and the long-lived parameter manager holds exactly the same
 * arrays after many steps (parameters and moments only — gradients and activations die with their
 * step).
 */
class NoTensorOutlivesAStepTest {

  @Test
  void parameterManagerDoesNotGrowAndRootIsCapped() {
    try (MoeTrainer t = TrainerSnapshotsTest.trainer()) {
      t.train(AdamWSlotStateTest.batch(3, 8, 0));
      t.evaluate(AdamWSlotStateTest.batch(3, 8, 0));
      int afterFirst = t.store().manager().getManagedArrays().size();
      for (int i = 1; i < 12; i++) { // crosses recording windows, lifecycle steps and spawns
        t.train(AdamWSlotStateTest.batch(3, 8, i));
        t.evaluate(AdamWSlotStateTest.batch(3, 8, i));
      }
      assertThat(t.store().manager().getManagedArrays()).hasSize(afterFirst);
      assertThatThrownBy(() -> t.rootManager().zeros(new Shape(1)))
          .isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void evoMoeStagesAndEvolveSpawnsLeaveNoTensorBehind() {
    ModelConfig mc =
        new ModelConfig(259, 16, 2, 2, 8, 16, RouterConfig.evoMoe(3, EvoMoeConfig.paper(2, 3)));
    int[] mixed = {0, 1, 0};
    try (MoeTrainer t = MoeTrainer.create(mc, TrainConfig.defaults(3))) {
      t.train(AdamWSlotStateTest.batch(3, 8, 0), mixed);
      int afterFirst = t.store().manager().getManagedArrays().size();
      for (int i = 1; i < 9; i++) { // warm-up → replicate → evolution (blends) → DTR
        t.train(AdamWSlotStateTest.batch(3, 8, i), mixed);
        t.evaluate(AdamWSlotStateTest.batch(3, 8, i), mixed);
      }
      assertThat(t.stage()).isEqualTo(EvoMoeConfig.Stage.DTR);
      assertThat(t.store().manager().getManagedArrays()).hasSize(afterFirst);
    }
    ModelConfig dyn = new ModelConfig(259, 16, 2, 2, 8, 16, RouterConfig.dynMoe(2, 4));
    TrainConfig evolve =
        TrainConfig.defaults(11)
            .withWindow(new RecordingWindow(2, 3, 4))
            .withSpawnPolicy(SpawnPolicy.EVOLVE);
    try (MoeTrainer t = MoeTrainer.create(dyn, evolve)) {
      t.train(AdamWSlotStateTest.batch(3, 8, 0));
      int afterFirst = t.store().manager().getManagedArrays().size();
      int spawns = 0;
      for (int i = 1; i < 12; i++) {
        for (var c : t.train(AdamWSlotStateTest.batch(3, 8, i)).changes()) {
          spawns += c.kind() == io.moestream.moe.lifecycle.ChangeKind.SPAWNED ? 1 : 0;
        }
      }
      assertThat(spawns).isPositive();
      assertThat(t.store().manager().getManagedArrays()).hasSize(afterFirst);
    }
  }
}
