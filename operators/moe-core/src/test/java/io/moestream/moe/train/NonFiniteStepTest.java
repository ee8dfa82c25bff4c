package io.moestream.moe.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.data.TextCorpus;
import io.moestream.moe.lifecycle.RoutingRecords;
import io.moestream.moe.tensor.Param;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
      float[] wte = t.store().get("wte").toFloatArray();
      Arrays.fill(wte, token * mc.dModel(), (token + 1) * mc.dModel(), Float.MAX_VALUE);
      t.store().assign("wte", wte);
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

  /** How the transient tests make one step non-finite; each fault lasts exactly one step. */
  private enum Fault {
    /**
     * An overflowing embedding row for the step's forward pass, put back afterwards: the loss is
     * NaN and, before the fix, the NaN activations of the unrouted tokens went into R_S.
     */
    LOSS,
    /**
     * One gradient element overflows after the backward pass, the loss stays finite: before the fix
     * the step's routing was recorded anyway, and clearing the gradient with ×0 left a NaN that
     * skipped every later step.
     */
    GRADIENT
  }

  private static final int STEPS = 20;
  private static final int FAULT_AT = 4;

  /** Records steps 2..7 (lifecycle after 7) and 10..15 (after 15): the fault is inside one. */
  private static final RecordingWindow WINDOW = new RecordingWindow(2, 6, 8);

  @Test
  void aNonFiniteLossInsideARecordingWindowLeavesNoTrace() {
    assertNoTraceOf(Fault.LOSS);
  }

  @Test
  void anInfiniteGradientInsideARecordingWindowLeavesNoTrace() {
    assertNoTraceOf(Fault.GRADIENT);
  }

  /**
   * One non-finite step inside a DynMoE recording window does no lasting damage: it is skipped,
   * every later step trains (finite, not skipped, the loss moves), no parameter, AdamW moment or
   * routing record holds a non-finite value, and the model equals one trained without that batch.
   *
   * <p>"Equals" means every snapshot entry ({@link TrainerSnapshots#capture}: parameters, AdamW
   * moments and ages, RNG, active slots, routing records, step counter) is byte-identical to that
   * of a trainer that saw the same batches at the same step indices and never saw the faulty batch;
   * its step counter is moved past the faulty step instead, because a skipped step is still a step
   * (the recording window and the summary schedule count steps, not updates).
   */
  private static void assertNoTraceOf(Fault fault) {
    ModelConfig mc = new ModelConfig(259, 32, 2, 2, 32, 64, RouterConfig.dynMoe(2, 8));
    TrainConfig tc = TrainConfig.defaults(3).withWindow(WINDOW);
    TextCorpus.BatchCursor cursor = TextCorpus.bundled().cursor(4, 32);
    List<int[][]> batches = new ArrayList<>();
    for (int i = 0; i < STEPS; i++) {
      batches.add(cursor.next());
    }
    try (MoeTrainer faulty = MoeTrainer.create(mc, tc);
        MoeTrainer clean = MoeTrainer.create(mc, tc)) {
      List<Double> lossesAfter = new ArrayList<>();
      for (int i = 0; i < STEPS; i++) {
        int[][] batch = batches.get(i);
        if (i == FAULT_AT) {
          assertThat(WINDOW.isRecording(i)).isTrue();
          StepResult r = faultyStep(faulty, batch, fault);
          assertThat(r.skipped()).as("the faulty step").isTrue();
          clean.restoreCounters(clean.step() + 1, clean.activeSlots());
          continue;
        }
        StepResult r = faulty.train(batch);
        assertThat(r.skipped()).as("step %d", i).isFalse();
        assertThat(clean.train(batch).skipped()).isFalse();
        if (i > FAULT_AT) {
          assertThat(r.prequentialLoss()).as("loss of step %d", i).isFinite();
          lossesAfter.add(r.prequentialLoss());
        }
      }
      assertThat(lossesAfter).as("the model still learns").doesNotHaveDuplicates();
      assertAllFinite(faulty);
      assertThat(entries(faulty))
          .as("snapshot of the faulty run vs one trained without that batch")
          .isEqualTo(entries(clean));
    }
  }

  private static StepResult faultyStep(MoeTrainer t, int[][] batch, Fault fault) {
    return switch (fault) {
      case LOSS -> {
        float[] wte = t.store().get("wte").toFloatArray();
        float[] overflowing = wte.clone();
        int token = batch[0][0];
        int d = t.modelConfig().dModel();
        Arrays.fill(overflowing, token * d, (token + 1) * d, Float.MAX_VALUE);
        t.store().assign("wte", overflowing);
        StepResult r = t.train(batch);
        t.store().assign("wte", wte);
        assertThat(r.prequentialLoss()).as("the forced loss").isNaN();
        yield r;
      }
      case GRADIENT -> {
        t.afterNextBackward(
            store -> {
              NDArray g = store.get("wte").getGradient(); // shares the leaf's .grad storage
              g.set(new NDIndex("0, 0"), Float.POSITIVE_INFINITY);
            });
        StepResult r = t.train(batch);
        assertThat(r.prequentialLoss()).as("the loss of the gradient fault").isFinite();
        assertThat(r.gradNorm()).isInfinite();
        yield r;
      }
    };
  }

  private static void assertAllFinite(MoeTrainer t) {
    for (Param p : t.store().all()) {
      assertFinite(p.name(), p.value());
      NDArray[] mv = t.optimizer().moments(p.name());
      assertFinite("m of " + p.name(), mv[0]);
      assertFinite("v of " + p.name(), mv[1]);
    }
    for (RoutingRecords r : t.routingRecords()) {
      for (double v : r.unroutedSum()) {
        assertThat(v).as("R_S").isFinite();
      }
    }
  }

  private static void assertFinite(String what, NDArray a) {
    for (float v : a.toFloatArray()) {
      assertThat(v).as(what).isFinite();
    }
  }

  /** Every snapshot entry, key and bytes. */
  private static List<String> entries(MoeTrainer t) {
    List<String> out = new ArrayList<>();
    for (var e : TrainerSnapshots.capture(t)) {
      out.add(e.key() + "=" + java.util.HexFormat.of().formatHex(e.bytes()));
    }
    return out;
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
