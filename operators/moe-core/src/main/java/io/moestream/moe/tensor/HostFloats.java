package io.moestream.moe.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Float tensors from Java values, always in memory libtorch allocated itself.
 *
 * <p>{@code NDManager.create(float[])} wraps the direct buffer the values were copied into, which
 * lands at whatever address the JVM picks; libtorch's own allocations are 64-byte aligned. Kernels
 * may take alignment-dependent paths (different vector heads and tails, different summation
 * orders), so a wrapped buffer makes results depend on where the JVM happened to put it — one of
 * the ways training stops being reproducible from its seed. A copy costs a few bytes per step.
 *
 * <p>The same holds, worse, for overwriting a tensor: DJL's {@code NDArray.set(float[])} does not
 * copy on the CPU but re-points the tensor's storage at a Java direct buffer (kept alive by the
 * Java object). A parameter written that way — at a spawn or a restore — would live at a JVM-chosen
 * address from then on. {@link #copyInto} copies into the tensor's own storage instead.
 */
public final class HostFloats {
  private HostFloats() {}

  /** {@code values} as a tensor of {@code shape} in {@code dtype}, owned by {@code m}. */
  public static NDArray of(NDManager m, float[] values, Shape shape, DataType dtype) {
    try (NDArray wrapped = m.create(values, shape)) {
      return ownCopy(wrapped, dtype);
    }
  }

  /** A 1-D tensor of {@code values}. */
  public static NDArray of(NDManager m, float[] values, DataType dtype) {
    return of(m, values, new Shape(values.length), dtype);
  }

  /** A 1-D tensor of {@code values} (double precision on the host), converted to {@code dtype}. */
  public static NDArray of(NDManager m, double[] values, DataType dtype) {
    try (NDArray wrapped = m.create(values)) {
      return ownCopy(wrapped, dtype);
    }
  }

  /**
   * A copy of {@code wrapped} in libtorch-allocated memory. Not {@code toType(dtype, true)}: DJL
   * passes no copy flag down, and libtorch's {@code to()} returns an alias when the dtype does not
   * change — an alias of memory that is freed once {@code wrapped} is closed and collected.
   */
  private static NDArray ownCopy(NDArray wrapped, DataType dtype) {
    NDArray copy = wrapped.duplicate(); // torch clone: a fresh, 64-byte aligned allocation
    if (copy.getDataType() == dtype) {
      return copy;
    }
    try (copy) {
      return copy.toType(dtype, false); // a conversion allocates new memory
    }
  }

  /**
   * Overwrites {@code target}'s values in place, in its own libtorch storage, with {@code values}
   * (row-major, {@code target.size()} of them). Call without autograd recording.
   */
  public static void copyInto(NDArray target, float[] values) {
    if (values.length != target.size()) {
      throw new IllegalArgumentException(
          values.length + " values for a tensor of shape " + target.getShape());
    }
    try (NDArray src = of(target.getManager(), values, target.getShape(), target.getDataType())) {
      copyInto(target, src);
    }
  }

  /** Overwrites {@code target}'s values in place with {@code src}'s (same shape). */
  public static void copyInto(NDArray target, NDArray src) {
    target.set(new NDIndex("..."), src);
  }
}
