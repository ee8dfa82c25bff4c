package io.moestream.moe.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.Shape;
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
}
