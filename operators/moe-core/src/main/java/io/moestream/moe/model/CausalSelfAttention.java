package io.moestream.moe.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.moestream.moe.tensor.ConstantTensors;
import io.moestream.moe.tensor.HostFloats;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Precision;
import io.moestream.moe.tensor.Scalars;
import java.util.List;

/**
 * Multi-head causal self-attention, nanoGPT style:
 *
 * <pre>
 * q, k, v = split(x W_qkv + b_qkv)                (B, H, T, hd) each
 * att     = softmax(q kᵀ / √hd + causal_mask)     (B, H, T, T)
 * y       = merge_heads(att v) W_proj + b_proj    (B, T, d)
 * </pre>
 */
final class CausalSelfAttention {
  private CausalSelfAttention() {}

  static NDArray forward(
      ParameterStore p, String prefix, NDArray x, int heads, Precision precision) {
    Shape s = x.getShape();
    long b = s.get(0);
    long t = s.get(1);
    long d = s.get(2);
    long hd = d / heads;
    NDList qkv = Layers.linear(p, prefix + "qkv", x, precision).split(3, 2); // 3 × (B, T, d)
    NDArray q = qkv.get(0).reshape(b, t, heads, hd).transpose(0, 2, 1, 3); // (B, H, T, hd)
    NDArray k = qkv.get(1).reshape(b, t, heads, hd).transpose(0, 2, 3, 1); // (B, H, hd, T)
    NDArray v = qkv.get(2).reshape(b, t, heads, hd).transpose(0, 2, 1, 3); // (B, H, T, hd)
    NDArray qk = precision.matmul(q, k); // (B, H, T, T)
    NDArray att = qk.mul(Scalars.like(qk, 1.0 / Math.sqrt(hd))); // (B, H, T, T)
    att = att.add(causalMask(x.getManager(), (int) t)).softmax(-1);
    NDArray y = precision.matmul(att, v).transpose(0, 2, 1, 3).reshape(b, t, d); // (B, T, d)
    return Layers.linear(p, prefix + "proj", y, precision);
  }

  /**
   * (T, T) additive mask: 0 on and below the diagonal, -1e9 above (a token sees no future). The
   * same every step: one mask per device and power-of-two size is made once ({@link
   * ConstantTensors}; training windows are the model's ctx, 128 by default) and a shorter window
   * takes the top-left corner of the next size up, which is its own causal mask — as a view, in the
   * caller's manager. Powers of two keep the cache's memory within 4/3 of the largest mask.
   */
  static NDArray causalMask(NDManager m, int t) {
    int size = Integer.highestOneBit(Math.max(1, t));
    if (size < t) {
      size *= 2;
    }
    int n = size;
    NDArray mask =
        ConstantTensors.get(m.getDevice(), m, List.of("causal mask", n), o -> buildMask(o, n));
    if (n == t) {
      return mask;
    }
    NDArray corner = mask.get(new NDIndex().addSliceDim(0, t).addSliceDim(0, t));
    corner.attach(m); // a result of the shared mask lands in its manager: bring it to the step
    return corner;
  }

  private static NDArray buildMask(NDManager m, int t) {
    float[] mask = new float[t * t];
    for (int i = 0; i < t; i++) {
      for (int j = i + 1; j < t; j++) {
        mask[i * t + j] = -1e9f;
      }
    }
    return HostFloats.of(m, mask, new Shape(t, t), DataType.FLOAT32);
  }
}
