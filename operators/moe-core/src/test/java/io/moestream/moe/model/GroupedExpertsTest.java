package io.moestream.moe.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.data.ByteTokenizer;
import io.moestream.moe.data.TextCorpus;
import io.moestream.moe.router.Router;
import io.moestream.moe.router.Routers;
import io.moestream.moe.router.SelectedExperts;
import io.moestream.moe.tensor.Autograd;
import io.moestream.moe.tensor.Param;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Precision;
import io.moestream.moe.tensor.Rng;
import io.moestream.moe.train.MoeTrainer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The grouped dispatch computes the per-expert dispatch's function: same outputs and the same
 * gradient on every expert's own parameters (to float rounding: its matmuls sum in another order),
 * on hand-made routings with uneven groups and with every router through the whole model.
 */
class GroupedExpertsTest {
  /** Relative tolerance: both paths are fp32; only the order of each dot product's sum differs. */
  private static final double REL = 1e-5;

  /**
   * Relative tolerance between bf16 results: operands and products carry 8 significant bits (2^-9
   * relative error each, a few roundings in a row through gelu and the second matmul); 2^-5 of the
   * largest value bounds them with room and is still 3000 times the fp32 tolerance.
   */
  private static final double BF16_REL = Math.pow(2, -5);

  private static final int D = 5;
  private static final int F = 7;
  private static final int SLOTS = 5;

  /**
   * Token × slot selections: slot 0 takes 4 tokens, slot 1 takes 1, slot 2 none (an empty or
   * inactive expert), slot 3 takes 3, slot 4 takes 2; token 0 goes to three experts, token 5 to
   * none.
   */
  private static final int[][] SELECTED = {
    {1, 1, 0, 1, 0},
    {1, 0, 0, 0, 0},
    {0, 0, 0, 1, 1},
    {1, 0, 0, 0, 0},
    {1, 0, 0, 1, 0},
    {0, 0, 0, 0, 0},
    {0, 0, 0, 0, 1},
  };

  @Test
  void handMadeRoutingGivesTheSameOutputAndExpertGradients() {
    Map<String, float[]> perExpert = handMade(ExpertDispatch.PER_EXPERT, Precision.FP32);
    Map<String, float[]> grouped = handMade(ExpertDispatch.GROUPED, Precision.FP32);
    assertThat(grouped.keySet()).isEqualTo(perExpert.keySet());
    for (String name : perExpert.keySet()) {
      assertClose(name, grouped.get(name), perExpert.get(name), REL);
    }
    // The empty slot is neither computed nor trained in either path.
    for (String t : ModelInit.EXPERT_TENSORS) {
      assertThat(grouped.get("grad " + ModelInit.expertPrefix(0, 2) + t)).containsOnly(0f);
    }
    assertThat(perExpert.get("grad " + ModelInit.expertPrefix(0, 1) + "w1"))
        .as("a used expert gets a gradient (the comparison is not between zeros)")
        .isNotEqualTo(new float[D * F]);
  }

  /**
   * Both dispatches honour {@code --precision bf16}: in bf16 they agree to bf16 rounding (a product
   * rounded to 8 significant bits may round the other way when its sum runs in another order: one
   * bf16 ulp, 2^-8 relative, of an intermediate), and each differs from its own fp32 result, so a
   * dispatch that ignored the precision fails.
   */
  @Test
  void bothDispatchesComputeTheirMatmulsInBf16() {
    Map<String, float[]> perExpert = handMade(ExpertDispatch.PER_EXPERT, Precision.BF16);
    Map<String, float[]> grouped = handMade(ExpertDispatch.GROUPED, Precision.BF16);
    for (String name : perExpert.keySet()) {
      assertClose(name, grouped.get(name), perExpert.get(name), BF16_REL);
    }
    for (ExpertDispatch dispatch : ExpertDispatch.values()) {
      float[] bf16 = handMade(dispatch, Precision.BF16).get("output");
      float[] fp32 = handMade(dispatch, Precision.FP32).get("output");
      double worst = 0;
      for (int i = 0; i < fp32.length; i++) {
        worst = Math.max(worst, Math.abs(bf16[i] - fp32[i]));
      }
      assertThat(worst).as("%s: bf16 changes the output", dispatch).isGreaterThan(1e-4);
      assertClose(dispatch + " bf16 vs fp32", bf16, fp32, BF16_REL);
    }
  }

  /** Output, gradient on x, on the weights and on each slot's parameters, by name. */
  private static Map<String, float[]> handMade(ExpertDispatch dispatch, Precision precision) {
    int t = SELECTED.length;
    Rng rng = new Rng(11);
    try (NDManager m = NDManager.newBaseManager();
        ParameterStore p = new ParameterStore(m.newSubManager())) {
      for (int j = 0; j < SLOTS; j++) {
        String prefix = ModelInit.expertPrefix(0, j);
        p.add(prefix + "w1", gaussian(rng, D * F), new Shape(D, F), 0, j, false, true);
        p.add(prefix + "b1", gaussian(rng, F), new Shape(F), 0, j, false, false);
        p.add(prefix + "w2", gaussian(rng, F * D), new Shape(F, D), 0, j, false, true);
        p.add(prefix + "b2", gaussian(rng, D), new Shape(D), 0, j, false, false);
      }
      NDArray x = m.create(gaussian(rng, t * D), new Shape(t, D));
      x.setRequiresGradient(true);
      float[] sel = new float[t * SLOTS];
      float[] w = new float[t * SLOTS];
      for (int i = 0; i < t; i++) {
        for (int j = 0; j < SLOTS; j++) {
          sel[i * SLOTS + j] = SELECTED[i][j];
          w[i * SLOTS + j] = SELECTED[i][j] * (0.2f + (float) Math.abs(rng.nextGaussian()));
        }
      }
      NDArray weights = m.create(w, new Shape(t, SLOTS));
      weights.setRequiresGradient(true);
      NDArray r = m.create(gaussian(rng, t * D), new Shape(t, D)); // a fixed random projection
      SelectedExperts selected = SelectedExperts.scan(sel, t, SLOTS);
      NDArray[] out =
          Autograd.recording(
              () -> {
                NDArray y = GroupedExperts.combine(dispatch, precision, x, weights, selected, p, 0);
                return new NDArray[] {y, y.mul(r).sum()};
              });
      Autograd.backward(out[1]);
      Map<String, float[]> res = new HashMap<>();
      res.put("output", out[0].toFloatArray());
      res.put("grad x", x.getGradient().toFloatArray());
      res.put("grad weights", weights.getGradient().toFloatArray());
      for (Param param : p.all()) {
        res.put("grad " + param.name(), param.value().getGradient().toFloatArray());
      }
      return res;
    }
  }

  static Stream<RouterConfig> routers() {
    return Stream.of(
        RouterConfig.dynMoe(4, 16),
        RouterConfig.topK(4, 2),
        RouterConfig.topP(4, 0.5),
        RouterConfig.nullExperts(4, 2, 2));
  }

  /** The whole model, each router: same loss, same gradient on every parameter. */
  @ParameterizedTest
  @MethodSource("routers")
  void everyRouterGivesTheSameLossAndGradients(RouterConfig router) {
    Map<String, float[]> perExpert = model(router, ExpertDispatch.PER_EXPERT);
    Map<String, float[]> grouped = model(router, ExpertDispatch.GROUPED);
    assertThat(grouped.keySet()).isEqualTo(perExpert.keySet());
    for (String name : perExpert.keySet()) {
      assertClose(name, grouped.get(name), perExpert.get(name), REL);
    }
  }

  private static ModelConfig small(RouterConfig router) {
    return new ModelConfig(ByteTokenizer.VOCAB_SIZE, 32, 2, 2, 32, 64, router);
  }

  private static Map<String, float[]> model(RouterConfig rc, ExpertDispatch dispatch) {
    ModelConfig c = small(rc);
    int[][] batch = TextCorpus.bundled().cursor(4, c.ctx()).next();
    Router router = Routers.create(rc);
    try (NDManager m = NDManager.newBaseManager();
        ParameterStore p = new ParameterStore(m.newSubManager())) {
      ModelInit.register(c, router, p, new Rng(7));
      boolean[][] active = new boolean[c.layers()][router.slots()];
      for (boolean[] layer : active) {
        Arrays.fill(layer, 0, rc.experts(), true);
      }
      CausalLm lm = new CausalLm(c, router);
      lm.expertDispatch(dispatch);
      CausalLm.Forward f = Autograd.recording(() -> lm.forward(m, p, batch, active, true, 0, null));
      Autograd.backward(Autograd.recording(() -> f.task().add(f.auxWeighted())));
      Map<String, float[]> res = new HashMap<>();
      res.put("task", new float[] {f.task().getFloat()});
      res.put("aux", new float[] {f.auxWeighted().getFloat()});
      for (Param param : p.all()) {
        NDArray g = param.value().getGradient();
        res.put(
            "grad " + param.name(),
            g.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray());
      }
      return res;
    }
  }

  /**
   * A few training steps of each dispatch from the same seed track each other: rounding differences
   * of 1e-7 compound through AdamW and the routing decisions, so steps are compared loosely and the
   * first step tightly.
   */
  @ParameterizedTest
  @MethodSource("routers")
  void trainingWithEitherDispatchTracks(RouterConfig rc) {
    ModelConfig c = small(rc);
    TextCorpus.BatchCursor cursor = TextCorpus.bundled().cursor(4, c.ctx());
    try (MoeTrainer a = MoeTrainer.create(c, TrainConfig.defaults(3));
        MoeTrainer b =
            MoeTrainer.create(c, TrainConfig.defaults(3)).expertDispatch(ExpertDispatch.GROUPED)) {
      assertThat(a.expertDispatch()).isEqualTo(ExpertDispatch.PER_EXPERT);
      for (int s = 0; s < 5; s++) {
        int[][] batch = cursor.next();
        double la = a.train(batch).prequentialLoss();
        double lb = b.train(batch).prequentialLoss();
        assertThat(lb)
            .as("step %d loss", s)
            .isCloseTo(la, org.assertj.core.data.Offset.offset(s == 0 ? 1e-5 : 1e-3));
      }
    }
  }

  private static void assertClose(String name, float[] actual, float[] expected, double rel) {
    assertThat(actual).as(name).hasSameSizeAs(expected);
    double scale = 0;
    for (float v : expected) {
      scale = Math.max(scale, Math.abs(v));
    }
    for (int i = 0; i < expected.length; i++) {
      assertThat((double) actual[i])
          .as("%s[%d] (max |expected| %s)", name, i, scale)
          .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(rel * Math.max(scale, 1e-3)));
    }
  }

  private static float[] gaussian(Rng rng, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) rng.nextGaussian();
    }
    return v;
  }
}
