package io.moestream.moe.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Scalar operands for ops that autograd records — use {@code x.mul(Scalars.like(x, c))}, never
 * {@code x.mul(c)}.
 *
 * <p>Why: DJL's {@code mul(Number)}, {@code div(Number)}, {@code maximum(Number)}, … create the
 * scalar as a tensor over a Java direct buffer, run the op, and close the scalar at once. But
 * libtorch's backward of {@code mul}, {@code div} and {@code maximum} saves that operand, and once
 * the Java object is closed nothing keeps its buffer alive: the garbage collector frees it, and the
 * backward pass multiplies by whatever the memory holds by then. The forward pass is unaffected
 * (identical losses), the gradients are not — training stopped being reproducible whenever a
 * collection happened between forward and backward (found with a GC storm: every run differed at
 * the first step). A scalar made here lives in libtorch's own memory, which the autograd graph
 * keeps alive by reference counting.
 */
public final class Scalars {
  private Scalars() {}

  /**
   * A 0-dim tensor of value {@code v} in {@code like}'s dtype, on its device, libtorch-owned; made
   * once per value, dtype and device and shared from then on ({@link ConstantTensors}). For values
   * fixed by the model's configuration (a scale, E, E²): a value that changes from step to step (an
   * annealed weight) takes {@link #fresh}. Never close the result, write to it, or make it the
   * receiver of an op (the result would land in the shared manager): pass it as the operand.
   */
  public static NDArray like(NDArray like, double v) {
    DataType dtype = like.getDataType();
    return ConstantTensors.get(
        like.getDevice(),
        like.getManager(),
        List.of("scalar", dtype, Double.doubleToLongBits(v)),
        m -> fresh(m, v, dtype));
  }

  /** A 0-dim tensor of value {@code v} in {@code like}'s dtype and manager, made for this call. */
  public static NDArray fresh(NDArray like, double v) {
    return fresh(like.getManager(), v, like.getDataType());
  }

  private static NDArray fresh(NDManager m, double v, DataType dtype) {
    return HostFloats.of(m, new double[] {v}, dtype).reshape(new Shape());
  }
}
