package io.moestream.moe.model;

import ai.djl.ndarray.types.Shape;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.router.Router;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Rng;
import java.util.Arrays;

/**
 * Registers every parameter of the causal LM with nanoGPT's initialisation: N(0, 0.02) for
 * embeddings and matrices, residual projections scaled by 1/√(2L), zero biases, unit norms.
 */
public final class ModelInit {
  private ModelInit() {}

  public static void register(ModelConfig c, Router router, ParameterStore p, Rng rng) {
    int d = c.dModel();
    double resid = 0.02 / Math.sqrt(2.0 * c.layers());
    p.add(
        "wte",
        rng.normal(c.vocabSize() * d, 0.02),
        new Shape(c.vocabSize(), d),
        -1,
        -1,
        false,
        true);
    p.add("wpe", rng.normal(c.ctx() * d, 0.02), new Shape(c.ctx(), d), -1, -1, false, true);
    for (int l = 0; l < c.layers(); l++) {
      String b = "layers." + l + ".";
      norm(p, b + "ln1", d);
      p.add(
          b + "attn.qkv.weight",
          rng.normal(d * 3 * d, 0.02),
          new Shape(d, 3L * d),
          -1,
          -1,
          false,
          true);
      p.add(b + "attn.qkv.bias", new float[3 * d], new Shape(3L * d), -1, -1, false, false);
      p.add(b + "attn.proj.weight", rng.normal(d * d, resid), new Shape(d, d), -1, -1, false, true);
      p.add(b + "attn.proj.bias", new float[d], new Shape(d), -1, -1, false, false);
      norm(p, b + "ln2", d);
      router.register(p, l, d, rng);
      for (int e = 0; e < c.router().maxExperts(); e++) {
        registerExpert(c, p, l, e, rng);
      }
    }
    norm(p, "ln_f", d);
  }

  /** The tensors of one expert slot, after its {@link #expertPrefix}: W1, b1, W2, b2. */
  public static final java.util.List<String> EXPERT_TENSORS =
      java.util.List.of("w1", "b1", "w2", "b2");

  /** {@code layers.<l>.moe.experts.<e>.} — the prefix of one expert slot's tensors. */
  public static String expertPrefix(int layer, int slot) {
    return "layers." + layer + ".moe.experts." + slot + ".";
  }

  static void registerExpert(ModelConfig c, ParameterStore p, int l, int e, Rng rng) {
    int d = c.dModel();
    int f = c.dFf();
    String x = expertPrefix(l, e);
    p.add(x + "w1", rng.normal(d * f, 0.02), new Shape(d, f), l, e, false, true);
    p.add(x + "b1", new float[f], new Shape(f), l, e, false, false);
    p.add(
        x + "w2",
        rng.normal(f * d, 0.02 / Math.sqrt(2.0 * c.layers())),
        new Shape(f, d),
        l,
        e,
        false,
        true);
    p.add(x + "b2", new float[d], new Shape(d), l, e, false, false);
  }

  /** Fresh random values for an expert slot's FFN (the {@code random} spawn policy). */
  public static void reinitExpert(ModelConfig c, ParameterStore p, int l, int e, Rng rng) {
    int d = c.dModel();
    int f = c.dFf();
    String x = expertPrefix(l, e);
    p.assign(x + "w1", rng.normal(d * f, 0.02));
    p.assign(x + "b1", new float[f]);
    p.assign(x + "w2", rng.normal(f * d, 0.02 / Math.sqrt(2.0 * c.layers())));
    p.assign(x + "b2", new float[d]);
  }

  private static void norm(ParameterStore p, String name, int d) {
    float[] ones = new float[d];
    Arrays.fill(ones, 1f);
    p.add(name + ".weight", ones, new Shape(d), -1, -1, false, false);
    p.add(name + ".bias", new float[d], new Shape(d), -1, -1, false, false);
  }
}
