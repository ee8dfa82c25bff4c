package io.moestream.moe.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.data.ByteTokenizer;
import io.moestream.moe.data.TextCorpus;
import io.moestream.moe.model.ExpertDispatch;
import io.moestream.moe.tensor.Bf16Kernels;
import io.moestream.moe.tensor.Param;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Precision;
import io.moestream.moe.tensor.TorchThreads;
import org.junit.jupiter.api.Test;

/**
 * bf16 matmuls train like fp32: the same model, seed and batches for 200 steps in both precisions
 * (issue 17 point 4), with native bf16 kernels where the loaded JNI has them and the emulated
 * rounding otherwise ({@link Bf16Kernels}; CI runs the emulation).
 *
 * <p>Cost: one libtorch intra-op thread. With two on a busy 2-core machine the pool's spin-waiting
 * made a step 9× slower (760 vs 82 ms at this size, load 11; docs/decisions.md "Issue 17 point 4,
 * landed"): that, not the model size nor the emulation (+11% per step), made this test take 408 s
 * before. DynMoE 4/16 as the CLI's default router, two layers (routing decisions feed the next
 * layer), d 32, ctx 32, batch 8: the smallest model that still learns for 200 steps.
 */
class Bf16ParityTest {
  private static final int STEPS = 200;
  private static final int TAIL = 50;

  /**
   * Relative difference allowed between the last 50 steps' mean losses of bf16 and fp32. See the
   * measurements in docs/decisions.md "Issue 17 point 4, landed": 0.3–2.5% at three sizes, both
   * signs (DynMoE's discrete routing and spawns part ways after the first rounding: trajectory
   * noise, not a bias). 5% is twice the largest and far below a diverging or non-learning run (its
   * tail would sit near the first steps' 5.5 nats, 40% above).
   */
  private static final double TAIL_TOLERANCE = 0.05;

  @Test
  void twoHundredBf16StepsTrackFp32AndTheWeightsStayFp32() {
    ModelConfig model =
        new ModelConfig(ByteTokenizer.VOCAB_SIZE, 32, 2, 2, 32, 64, RouterConfig.dynMoe(4, 16));
    double[] fp32;
    double[] bf16;
    double[][] snapshotCheck = new double[1][];
    try (TorchThreads one = TorchThreads.use(1)) {
      fp32 = train(model, Precision.FP32, ExpertDispatch.PER_EXPERT, null);
      bf16 = train(model, Precision.BF16, ExpertDispatch.PER_EXPERT, snapshotCheck);
    }
    double differ = 0;
    for (int i = 0; i < STEPS; i++) {
      assertThat(bf16[i]).as("bf16 loss at step %d", i).isFinite();
      differ = Math.max(differ, Math.abs(bf16[i] - fp32[i]));
    }
    assertThat(differ).as("bf16 changes the arithmetic at all").isGreaterThan(0);
    assertThat(Math.abs(bf16[0] - fp32[0]))
        .as("step 0 (same weights, same batch): bf16 rounding only")
        .isLessThan(0.01 * fp32[0]);
    double tailFp32 = mean(fp32, STEPS - TAIL, STEPS);
    double tailBf16 = mean(bf16, STEPS - TAIL, STEPS);
    System.out.printf(
        "bf16 parity (%s): last %d steps' mean loss fp32 %.5f bf16 %.5f (rel %.5f), step 0 %.4f%n",
        Bf16Kernels.status().kind(),
        TAIL,
        tailFp32,
        tailBf16,
        Math.abs(tailBf16 - tailFp32) / tailFp32,
        fp32[0]);
    assertThat(tailFp32).as("fp32 learned").isLessThan(fp32[0] - 1.0);
    assertThat(Math.abs(tailBf16 - tailFp32) / tailFp32).isLessThanOrEqualTo(TAIL_TOLERANCE);
    // master weights: float32 and not rounded to bf16 (values with low bits set exist)
    assertThat(snapshotCheck[0][0]).as("non-float32 parameters").isZero();
    assertThat(snapshotCheck[0][1]).as("float32 values that are not bf16").isGreaterThan(0);
  }

  private static double[] train(
      ModelConfig model, Precision p, ExpertDispatch dispatch, double[][] snapshotCheck) {
    TextCorpus.BatchCursor cursor = TextCorpus.bundled().cursor(8, model.ctx());
    double[] loss = new double[STEPS];
    long started = System.nanoTime();
    try (MoeTrainer t =
        MoeTrainer.create(model, TrainConfig.defaults(3)).expertDispatch(dispatch).precision(p)) {
      for (int i = 0; i < STEPS; i++) {
        if (!cursor.hasNext()) {
          cursor = TextCorpus.bundled().cursor(8, model.ctx());
        }
        loss[i] = t.train(cursor.next()).prequentialLoss();
      }
      if (snapshotCheck != null) {
        snapshotCheck[0] = masterWeights(t.store());
        // a model trained in bf16 restores from its snapshot as the same fp32 model
        int[][] probe = TextCorpus.bundled().cursor(8, model.ctx()).next();
        try (MoeTrainer back = TrainerSnapshots.restore(TrainerSnapshots.capture(t))) {
          assertThat(back.precision()).isEqualTo(Precision.FP32);
          assertThat(back.evaluate(probe).loss())
              .isCloseTo(t.precision(Precision.FP32).evaluate(probe).loss(), within(0.0));
        }
      }
    }
    System.out.printf(
        "%s %s: %d steps in %.1f s%n",
        p, dispatch.cliName(), STEPS, (System.nanoTime() - started) / 1e9);
    return loss;
  }

  /** {non-float32 parameters, float32 values a bf16 cast would have changed}. */
  private static double[] masterWeights(ParameterStore store) {
    double notFloat32 = 0;
    double unrounded = 0;
    for (Param p : store.all()) {
      NDArray v = p.value();
      if (v.getDataType() != DataType.FLOAT32) {
        notFloat32++;
        continue;
      }
      for (float f : v.toFloatArray()) {
        unrounded += (Float.floatToIntBits(f) & 0xFFFF) != 0 ? 1 : 0;
      }
    }
    return new double[] {notFloat32, unrounded};
  }

  private static double mean(double[] v, int from, int to) {
    double s = 0;
    for (int i = from; i < to; i++) {
      s += v[i];
    }
    return s / (to - from);
  }
}
