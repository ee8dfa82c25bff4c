package io.moestream.moe.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.norm.LayerNorm;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Precision;

/** Small functional layers over named parameters (nanoGPT's building blocks). */
final class Layers {
  private Layers() {}

  /** LayerNorm over the last axis: x (…, d) → (…, d), with {@code <name>.weight/.bias}. */
  static NDArray layerNorm(ParameterStore p, String name, NDArray x) {
    long d = x.getShape().get(x.getShape().dimension() - 1);
    return LayerNorm.layerNorm(
            x,
            new Shape(d),
            p.get(name + ".weight"),
            p.get(name + ".bias"),
            CausalLm.LAYER_NORM_EPS)
        .singletonOrThrow();
  }

  /** x (…, in) · W (in, out) + b (out) → (…, out), the matmul in {@code precision}. */
  static NDArray linear(ParameterStore p, String name, NDArray x, Precision precision) {
    return precision.matmul(x, p.get(name + ".weight")).add(p.get(name + ".bias"));
  }

  /** An expert: the 2-layer GELU MLP {@code gelu(x W1 + b1) W2 + b2}, x (n, d) → (n, d). */
  static NDArray expertMlp(ParameterStore p, String prefix, NDArray x, Precision precision) {
    NDArray h =
        Activation.gelu(
            precision.matmul(x, p.get(prefix + "w1")).add(p.get(prefix + "b1"))); // (n, f)
    return precision.matmul(h, p.get(prefix + "w2")).add(p.get(prefix + "b2")); // (n, d)
  }
}
