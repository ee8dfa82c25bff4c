package io.moestream.moe.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * The arithmetic of the model's dense matmuls: {@link #FP32} (the default, exactly the plain
 * matmul) or {@link #BF16} (mixed precision: both operands in bfloat16, the product accumulated in
 * float32 and rounded to bfloat16, returned as float32).
 *
 * <p>Only the matmuls that carry the FLOPs go through {@link #matmul}/{@link #batchMatMul}
 * (attention projections and scores, expert FFNs under either dispatch, the LM head). Everything
 * whose rounding decides something discrete or accumulates over many steps stays float32: gates and
 * routers (DynMoE's similarities and thresholds), LayerNorm, softmax, losses, the parameters
 * themselves (the master weights) and AdamW. Gradients pass the rounding unchanged (as the backward
 * of a cast does) to the float32 parameters, and a snapshot never holds a rounded tensor.
 *
 * <p>Two ways to compute {@link #BF16}, chosen once per process by {@link Bf16Kernels}: native
 * bfloat16 kernels (casts to {@code DataType.BFLOAT16}) where the loaded DJL JNI is the one {@code
 * docker/gpu/build-djl-jni.sh} patched to map that dtype, or else the same rounding emulated in
 * float32 kernels (bf16 numbers, fp32 speed). DJL 0.35.1's stock JNI executes a bare {@code throw;}
 * for a bfloat16 cast, which terminates the JVM, so it is never sent one.
 */
public enum Precision {
  FP32,
  BF16;

  /**
   * Veltkamp's splitting constant for float32 (24 significant bits) into 8 (bfloat16's): {@code c =
   * x·(2^16 + 1); c − (c − x)} is x rounded to 8 significant bits, to nearest, ties to even —
   * exactly torch's float→bfloat16 cast for every normal x with |x| < 5·10^33 (checked against
   * {@code torch.Tensor.to(torch.bfloat16)} on 2·10^6 values over 30 orders of magnitude; it
   * differs only on subnormals, where bfloat16 keeps fewer bits, and overflows to NaN above that
   * bound — neither occurs in a model's weights or activations).
   */
  private static final double VELTKAMP = 65537;

  /** {@code fp32} or {@code bf16}, in any case. */
  public static Precision parse(String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "fp32", "float32" -> FP32;
      case "bf16", "bfloat16" -> BF16;
      default ->
          throw new IllegalArgumentException("unknown precision, expected one of: fp32, bf16");
    };
  }

  /** The spelling {@link #parse} takes and the command line and bench report show. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * {@code a · b} in this precision; float32 in, float32 out.
   *
   * @param a (…, n, k)
   * @param b (…, k, m)
   */
  public NDArray matmul(NDArray a, NDArray b) {
    if (this == FP32) {
      return a.matMul(b);
    }
    if (Bf16Kernels.isNative()) {
      return a.toType(DataType.BFLOAT16, false)
          .matMul(b.toType(DataType.BFLOAT16, false))
          .toType(DataType.FLOAT32, false);
    }
    NDArray s = Scalars.fresh(a, VELTKAMP);
    return round(s, round(s, a).matMul(round(s, b)));
  }

  /**
   * {@code a · b} batched over the first axis, in this precision; float32 in, float32 out.
   *
   * @param a (G, n, k)
   * @param b (G, k, m)
   */
  public NDArray batchMatMul(NDArray a, NDArray b) {
    if (this == FP32) {
      return a.batchMatMul(b);
    }
    if (Bf16Kernels.isNative()) {
      return a.toType(DataType.BFLOAT16, false)
          .batchMatMul(b.toType(DataType.BFLOAT16, false))
          .toType(DataType.FLOAT32, false);
    }
    NDArray s = Scalars.fresh(a, VELTKAMP);
    return round(s, round(s, a).batchMatMul(round(s, b)));
  }

  /** {@code x} rounded to the nearest bfloat16 (ties to even), still float32. */
  static NDArray toBf16(NDArray x) {
    return round(Scalars.fresh(x, VELTKAMP), x);
  }

  /**
   * Three elementwise ops, recorded: the gradient is exactly the identity (d/dx of c − (c − x) is s
   * − s + 1 in the chain rule; libtorch computes g + (−g) = 0 for c's branch and g for x's, both
   * exact), which is the backward of a cast. {@code veltkamp} comes first in the product so the
   * result lives in its (the step's) manager, not a parameter's — which is why it is a {@link
   * Scalars#fresh} scalar, never a shared {@link Scalars#like} one.
   */
  private static NDArray round(NDArray veltkamp, NDArray x) {
    NDArray c = veltkamp.mul(x);
    return c.sub(c.sub(x));
  }
}
