package io.moestream.moe.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.router.DynMoeRouter;
import io.moestream.moe.tensor.Autograd;
import io.moestream.moe.tensor.FlatParams;
import io.moestream.moe.tensor.HostFloats;
import io.moestream.moe.tensor.Param;
import io.moestream.moe.tensor.ParameterStore;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The packed update (one flat buffer per group of tensors sharing an age) is the per-tensor update
 * bit for bit: same values and same moments after every step, with clipping on, a slot inactive for
 * a step, a spawned slot's fresh age, part of a group frozen and a whole group frozen — and the
 * groups that can go packed do.
 */
class PackedAdamWTest {
  private static final int LAYERS = 1;
  private static final int SLOTS = 3;
  private static final String ROUTER = "layers.0.moe.router.w";

  /** Shared tensors (decayed and not), three expert slots, a gate and the thresholds. */
  private static ParameterStore store(NDManager root) {
    ParameterStore s = new ParameterStore(root.newSubManager());
    Random r = new Random(11);
    s.add("wte", values(r, 7 * 5), new Shape(7, 5), -1, -1, false, true);
    s.add("ln.gamma", values(r, 5), new Shape(5), -1, -1, false, false);
    s.add("proj.w", values(r, 5 * 3), new Shape(5, 3), -1, -1, false, true);
    s.add(ROUTER, values(r, 5 * 4), new Shape(5, 4), 0, -1, false, true);
    for (int e = 0; e < SLOTS; e++) {
      String x = "layers.0.moe.experts." + e + ".";
      s.add(x + "w1", values(r, 5 * 6), new Shape(5, 6), 0, e, false, true);
      s.add(x + "b1", values(r, 6), new Shape(6), 0, e, false, false);
      s.add(x + "w2", values(r, 6 * 5), new Shape(6, 5), 0, e, false, true);
    }
    s.add(DynMoeRouter.simName(0), values(r, 5 * SLOTS), new Shape(5, SLOTS), 0, -1, true, false);
    s.add(DynMoeRouter.thresholdsName(0), values(r, SLOTS), new Shape(SLOTS), 0, -1, true, false);
    // a per-column tensor with weight decay (none in today's routers, both kernels support it)
    s.add(
        "layers.0.moe.router.decayed",
        values(r, 4 * SLOTS),
        new Shape(4, SLOTS),
        0,
        -1,
        true,
        true);
    return s;
  }

  private static float[] values(Random r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  /** Gives every parameter the gradient of Σ θ·c for a fixed random c of the step. */
  private static void backward(ParameterStore s, NDManager m, int step) {
    Random r = new Random(100 + step);
    NDArray loss =
        Autograd.recording(
            () -> {
              NDArray sum = null;
              for (Param p : s.all()) {
                float[] c = values(r, (int) p.value().size());
                for (int i = 0; i < c.length; i++) {
                  c[i] *= 4; // large enough that the global norm exceeds the clip of 1
                }
                NDArray term =
                    p.value()
                        .mul(HostFloats.of(m, c, p.value().getShape(), p.value().getDataType()))
                        .sum();
                sum = sum == null ? term : sum.add(term);
              }
              return sum;
            });
    Autograd.backward(loss);
  }

  /** Both kernels: the Java pass the CPU takes, and libtorch's operations a GPU takes. */
  private static UpdateKernel kernel(String name) {
    return name.equals("host") ? new HostUpdates() : new TorchUpdates();
  }

  @ParameterizedTest(name = "{0} kernel")
  @ValueSource(strings = {"host", "torch"})
  void packedUpdateEqualsThePerTensorUpdateBitForBit(String kernel) {
    TrainConfig cfg = TrainConfig.defaults(1);
    try (NDManager root = NDManager.newBaseManager();
        ParameterStore packedStore = store(root);
        ParameterStore plainStore = store(root)) {
      AdamW packed = new AdamW(cfg, packedStore, LAYERS, SLOTS, true, kernel(kernel));
      AdamW plain = new AdamW(cfg, plainStore, LAYERS, SLOTS, false, kernel(kernel));
      String frozen = "layers.0.moe.experts.0.b1";
      // groups applied packed per step: shared, router, and the active slots that train whole
      int[] expectPacked = {4, 5, 4, 3, 3, 3};
      for (int step = 0; step < 6; step++) {
        boolean[][] active = {{true, step != 2, step >= 1}};
        if (step == 4) {
          packed.resetSlot(0, 2); // a spawn: fresh moments and age 0 for slot 2
          plain.resetSlot(0, 2);
        }
        // From step 3 on, part of slot 0's group is frozen (its tensors then go one by one) and the
        // router's whole group is (as EvoMoE's stages freeze tensors); the other groups stay
        // packed.
        boolean freeze = step >= 3;
        Predicate<Param> trains =
            p -> !freeze || !(p.name().equals(frozen) || p.name().equals(ROUTER));
        for (ParameterStore s : new ParameterStore[] {packedStore, plainStore}) {
          try (NDManager m = root.newSubManager()) {
            backward(s, m, step);
            double norm = (s == packedStore ? packed : plain).step(m, active, trains);
            assertThat(norm).as("step %d: clipping is exercised", step).isGreaterThan(1.0);
          }
        }
        assertThat(packed.packedUpdates())
            .as("packed groups at step %d", step)
            .isEqualTo(expectPacked[step]);
        assertThat(plain.packedUpdates()).isZero();
        for (Param p : plainStore.all()) {
          String at = p.name() + " after step " + step;
          assertThat(packedStore.get(p.name()).toFloatArray())
              .as(at)
              .containsExactly(p.value().toFloatArray());
          for (int k = 0; k < 2; k++) {
            assertThat(packed.moments(p.name())[k].toFloatArray())
                .as(at + " moment " + k)
                .containsExactly(plain.moments(p.name())[k].toFloatArray());
          }
        }
      }
      assertThat(packed.slotAges()).isDeepEqualTo(plain.slotAges());
    }
  }

  @Test
  void packingMakesEachParameterAViewOfAnAlignedSegmentThatStillTrains() {
    try (NDManager root = NDManager.newBaseManager();
        ParameterStore s = store(root)) {
      float[] before = s.get("proj.w").toFloatArray();
      FlatParams flat = s.pack(List.of("wte", "ln.gamma", "proj.w"));
      assertThat(s.get("proj.w").toFloatArray()).containsExactly(before);
      assertThat(s.get("proj.w").getShape()).isEqualTo(new Shape(5, 3));
      for (int i = 0; i < 3; i++) {
        assertThat(flat.offset(i) % 16).as("segment %d starts on 64 bytes", i).isZero();
      }
      // 35 values, pad to 48; 5 values, pad to 64; 15 values: 79 elements in all
      assertThat(flat.size()).isEqualTo(79);
      Autograd.noGrad(() -> flat.values().muli(2)); // writes through to every member
      float[] after = s.get("proj.w").toFloatArray();
      for (int i = 0; i < before.length; i++) {
        assertThat(after[i]).isEqualTo(before[i] * 2);
      }
      // Still a leaf autograd accumulates into: d(Σ 3·θ)/dθ = 3 (a view that were not a leaf would
      // keep no gradient, and DJL would report zeros).
      try (NDManager m = root.newSubManager()) {
        NDArray loss = Autograd.recording(() -> s.get("proj.w").mul(3f).sum());
        Autograd.backward(loss);
        for (float g : s.get("proj.w").getGradient().toFloatArray()) {
          assertThat(g).isEqualTo(3f);
        }
      }
      assertThatThrownBy(() -> s.pack(List.of("proj.w")))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("packed twice");
    }
  }

  /**
   * The update is AdamW's formula in float32, operation by operation, packed (a group of one) and
   * per tensor, with either kernel: a single tensor, three steps, weights and both moments against
   * the formula evaluated here in Java's float arithmetic. The Java pass is checked on 2,501
   * elements (several chunks, vector loops and their tails). libtorch's on 7: its square root is
   * MKL's, 1 ulp off Java's in some elements depending on the instruction set (444 of 65,920 with
   * AVX-512), which on these 7 vanishes in the weights' rounding — {@link
   * #theKernelsAgreeToWithinRoundingOnLargeTensors} bounds it on long tensors.
   */
  @ParameterizedTest(name = "packed {0}, {1} kernel")
  @CsvSource({"true, host", "false, host", "true, torch", "false, torch"})
  void theUpdateIsTheFormulaInFloat32OperationByOperation(boolean pack, String kernel) {
    TrainConfig cfg = TrainConfig.defaults(1);
    int n = kernel.equals("host") ? 2501 : 7;
    Random r = new Random(5);
    float[] theta = values(r, n);
    float[][] grads = new float[3][];
    for (int step = 0; step < 3; step++) {
      grads[step] = values(r, n);
      for (int i = 0; i < n; i++) {
        grads[step][i] *= 0.01f / (float) Math.sqrt(n); // norm < 1: no clipping
      }
    }
    try (NDManager root = NDManager.newBaseManager();
        ParameterStore s = new ParameterStore(root.newSubManager())) {
      s.add("w", theta.clone(), new Shape(n), -1, -1, false, true);
      AdamW adam = new AdamW(cfg, s, 0, 0, pack, kernel(kernel));
      float[] m = new float[n];
      float[] v = new float[n];
      float[] expect = theta.clone();
      for (int step = 1; step <= 3; step++) {
        float[] g = grads[step - 1];
        try (NDManager sm = root.newSubManager()) {
          NDArray c = HostFloats.of(sm, g, new Shape(n), s.get("w").getDataType());
          Autograd.backward(Autograd.recording(() -> s.get("w").mul(c).sum()));
          assertThat(adam.step(sm, new boolean[0][0], p -> true)).isLessThan(1.0);
        }
        float bc1 = (float) (1 - Math.pow(cfg.beta1(), step));
        float bc2 = (float) (1 - Math.pow(cfg.beta2(), step));
        float lr = (float) cfg.learningRate();
        for (int i = 0; i < n; i++) {
          m[i] = m[i] + (g[i] - m[i]) * (float) (1 - cfg.beta1());
          v[i] = v[i] + (g[i] * g[i] - v[i]) * (float) (1 - cfg.beta2());
          float denom = (float) Math.sqrt(v[i] / bc2) + (float) cfg.eps();
          float upd = m[i] / bc1 / denom * lr;
          expect[i] = expect[i] * (float) (1 - cfg.learningRate() * cfg.weightDecay());
          expect[i] = expect[i] - upd;
        }
        assertThat(s.get("w").toFloatArray()).as("after step %d", step).containsExactly(expect);
        assertThat(adam.moments("w")[0].toFloatArray()).as("m, step %d", step).containsExactly(m);
        assertThat(adam.moments("w")[1].toFloatArray()).as("v, step %d", step).containsExactly(v);
      }
    }
  }

  /**
   * The two kernels on every kind of tensor — packed groups, a slot inactive for a step, a spawned
   * slot, the gate's per-column tensors, the thresholds' own rate — agree to rounding over 6
   * clipped steps: every value and moment within 1e-6 of its tensor's largest magnitude.
   */
  @Test
  void theKernelsAgreeOnEveryKindOfTensor() {
    TrainConfig cfg = TrainConfig.defaults(1);
    try (NDManager root = NDManager.newBaseManager();
        ParameterStore hostStore = store(root);
        ParameterStore torchStore = store(root)) {
      AdamW host = new AdamW(cfg, hostStore, LAYERS, SLOTS, true, new HostUpdates());
      AdamW torch = new AdamW(cfg, torchStore, LAYERS, SLOTS, true, new TorchUpdates());
      for (int step = 0; step < 6; step++) {
        boolean[][] active = {{true, step != 2, step >= 1}};
        if (step == 4) {
          host.resetSlot(0, 2);
          torch.resetSlot(0, 2);
        }
        for (ParameterStore s : new ParameterStore[] {hostStore, torchStore}) {
          try (NDManager m = root.newSubManager()) {
            backward(s, m, step);
            (s == hostStore ? host : torch).step(m, active, p -> true);
          }
        }
      }
      for (Param p : torchStore.all()) {
        assertClose(p.name(), hostStore.get(p.name()).toFloatArray(), p.value().toFloatArray());
        for (int k = 0; k < 2; k++) {
          assertClose(
              p.name() + " moment " + k,
              host.moments(p.name())[k].toFloatArray(),
              torch.moments(p.name())[k].toFloatArray());
        }
      }
    }
  }

  /**
   * Equal to within 1e-6 of {@code expected}'s largest magnitude: the clipping scale differs in its
   * last bits between the kernels, and a moment that cancels out to near zero keeps that difference
   * in absolute, not relative, terms.
   */
  private static void assertClose(String what, float[] actual, float[] expected) {
    double largest = 0;
    for (float x : expected) {
      largest = Math.max(largest, Math.abs(x));
    }
    for (int i = 0; i < expected.length; i++) {
      assertThat((double) actual[i])
          .as("%s element %d", what, i)
          .isCloseTo(expected[i], within(1e-6 * largest));
    }
  }

  /**
   * On long tensors the two kernels differ only by MKL's square root and the norm's summation:
   * after 5 clipped steps of 70,000-element tensors every weight and moment agrees to within 1e-6
   * of its tensor's largest magnitude (last-bit differences, carried a little by the steps).
   */
  @Test
  void theKernelsAgreeToWithinRoundingOnLargeTensors() {
    TrainConfig cfg = TrainConfig.defaults(1);
    int n = 70_000;
    try (NDManager root = NDManager.newBaseManager();
        ParameterStore hostStore = new ParameterStore(root.newSubManager());
        ParameterStore torchStore = new ParameterStore(root.newSubManager())) {
      float[] theta = values(new Random(9), n);
      hostStore.add("w", theta, new Shape(n), -1, -1, false, true);
      torchStore.add("w", theta, new Shape(n), -1, -1, false, true);
      AdamW host = new AdamW(cfg, hostStore, 0, 0, true, new HostUpdates());
      AdamW torch = new AdamW(cfg, torchStore, 0, 0, true, new TorchUpdates());
      Random r = new Random(10);
      for (int step = 0; step < 5; step++) {
        float[] g = values(r, n);
        double[] norms = new double[2];
        int k = 0;
        for (ParameterStore s : new ParameterStore[] {hostStore, torchStore}) {
          try (NDManager sm = root.newSubManager()) {
            NDArray c = HostFloats.of(sm, g, new Shape(n), s.get("w").getDataType());
            Autograd.backward(Autograd.recording(() -> s.get("w").mul(c).sum()));
            norms[k++] = (s == hostStore ? host : torch).step(sm, new boolean[0][0], p -> true);
          }
        }
        assertThat(norms[0]).as("the norm, clipped").isGreaterThan(1.0);
        assertThat(norms[0]).as("the norm").isCloseTo(norms[1], within(1e-6 * norms[1]));
      }
      float[][] a = {
        hostStore.get("w").toFloatArray(),
        host.moments("w")[0].toFloatArray(),
        host.moments("w")[1].toFloatArray()
      };
      float[][] b = {
        torchStore.get("w").toFloatArray(),
        torch.moments("w")[0].toFloatArray(),
        torch.moments("w")[1].toFloatArray()
      };
      String[] names = {"w", "mean", "var"};
      for (int t = 0; t < 3; t++) {
        assertClose(names[t], a[t], b[t]);
      }
    }
  }
}
