package io.moestream.moe.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import org.junit.jupiter.api.Test;

/** The DynMoE thresholds' own learning-rate scale: 0 freezes G, everything else still learns. */
class ThresholdLearningRateTest {

  private static MoeTrainer trainer(double scale) {
    ModelConfig mc = new ModelConfig(259, 16, 2, 2, 8, 16, RouterConfig.dynMoe(3, 4));
    // no recording window inside the run: no spawn resets a threshold behind the test's back
    TrainConfig tc =
        TrainConfig.defaults(5)
            .withWindow(new RecordingWindow(1000, 10, 1000))
            .withThresholdLrScale(scale);
    return MoeTrainer.create(mc, tc);
  }

  @Test
  void aZeroScaleFreezesTheThresholdsWhileTheGateColumnsStillLearn() {
    try (MoeTrainer frozen = trainer(0);
        MoeTrainer learning = trainer(1)) {
      double[][] sim0 = frozen.gate(0).simMatrix();
      for (int i = 0; i < 6; i++) {
        frozen.train(AdamWSlotStateTest.batch(3, 8, i));
        learning.train(AdamWSlotStateTest.batch(3, 8, i));
      }
      for (int l = 0; l < 2; l++) {
        assertThat(frozen.gate(l).thresholds()).containsOnly(0.0);
        assertThat(learning.gate(l).thresholds()).as("layer %d", l).isNotEqualTo(new double[4]);
      }
      assertThat(frozen.gate(0).simMatrix()).isNotEqualTo(sim0);
    }
  }
}
