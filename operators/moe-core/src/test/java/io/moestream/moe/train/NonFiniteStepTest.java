package io.moestream.moe.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.data.TextCorpus;
import io.moestream.moe.lifecycle.RecordingWindow;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A step whose loss is not finite must leave the model exactly as it was: no parameter and no
 * optimizer moment changes, and the step says it was skipped (the operator counts it in the {@code
 * skippedSteps} metric and the summary). Gradient clipping is on by default.
 */
class NonFiniteStepTest {

  @Test
  void aNonFiniteLossSkipsTheUpdateAndLeavesTheModelUntouched() {
    ModelConfig mc = new ModelConfig(259, 32, 2, 2, 32, 64, RouterConfig.dynMoe(2, 8));
    TextCorpus.BatchCursor cursor = TextCorpus.bundled().cursor(4, 32);
    try (MoeTrainer t =
        MoeTrainer.create(mc, TrainConfig.defaults(3).withWindow(new RecordingWindow(1, 2, 4)))) {
      for (int i = 0; i < 3; i++) {
        assertThat(t.train(cursor.next()).skipped()).isFalse();
      }
      // An overflowing embedding row, as a diverging model would produce: every batch that holds
      // the token now has an infinite activation and a NaN loss.
      int[][] batch = cursor.next();
      int token = batch[0][0];
      float[] wte = t.parameters().get("wte").toFloatArray();
      Arrays.fill(wte, token * mc.dModel(), (token + 1) * mc.dModel(), Float.MAX_VALUE);
      t.parameters().assign("wte", wte);
      String before = t.digest();
      String momentsBefore = momentsDigest(t);

      StepResult r = t.train(batch);

      assertThat(Double.isFinite(r.prequentialLoss())).as("the forced loss").isFalse();
      assertThat(r.skipped()).isTrue();
      assertThat(t.digest()).as("parameters after a skipped step").isEqualTo(before);
      assertThat(momentsDigest(t))
          .as("optimizer moments after a skipped step")
          .isEqualTo(momentsBefore);
    }
  }

  @Test
  void gradientClippingIsOnByDefault() {
    assertThat(TrainConfig.defaults(1).gradClip()).isEqualTo(1.0);
  }

  /**
   * The trainer's snapshot (parameters, AdamW moments and ages) as one string, without the meta
   * entry: the step counter moves on, a skipped step is still a step.
   */
  private static String momentsDigest(MoeTrainer t) {
    StringBuilder b = new StringBuilder();
    for (var e : TrainerSnapshots.capture(t)) {
      if (e.key().equals("meta")) {
        continue;
      }
      b.append(e.key()).append('=').append(Arrays.hashCode(e.bytes())).append(';');
    }
    return b.toString();
  }
}
