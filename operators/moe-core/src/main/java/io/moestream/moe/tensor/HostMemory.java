package io.moestream.moe.tensor;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * A CPU tensor's own float32 memory, read and written from Java without a copy.
 *
 * <p>Why: on the CPU an element-wise pass in Java over memory already in cache beats a chain of
 * libtorch calls that each walk the whole tensor again (the optimizer's dozen passes per group, see
 * {@code train.HostUpdates}). Nothing crosses a device boundary, so this is no {@link DeviceReads}
 * transfer (those count device→host copies; here there is no copy).
 *
 * <p>The buffer does not keep the tensor alive: use it only while the tensor is open. It aliases
 * the tensor's storage only if the tensor is contiguous (DJL silently hands out a contiguous copy
 * otherwise); every parameter, moment and flat buffer the trainer keeps is contiguous by
 * construction ({@link ParameterStore}: a copy of a host array, or a segment of a flat buffer), and
 * a gradient that were not would only be read.
 */
public final class HostMemory {
  private HostMemory() {}

  /** Largest tensor a Java buffer can span: DJL refuses a direct buffer past 2 GiB − 1 bytes. */
  static final long MAX_FLOATS = Integer.MAX_VALUE / Float.BYTES;

  /**
   * Whether {@link #floats} can view {@code a}: a float32 tensor on the CPU, of at most {@link
   * #MAX_FLOATS} elements (a larger one stays with libtorch).
   */
  public static boolean viewable(NDArray a) {
    return a.getDataType() == DataType.FLOAT32
        && a.size() <= MAX_FLOATS
        && Device.Type.CPU.equals(a.getDevice().getDeviceType());
  }

  /** {@code a}'s elements, row-major, as a buffer over its memory (see the class comment). */
  public static FloatBuffer floats(NDArray a) {
    if (!viewable(a)) {
      throw new IllegalArgumentException(
          "only float32 CPU tensors have host memory to view, not a "
              + a.getDataType()
              + " tensor on "
              + a.getDevice());
    }
    return a.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer();
  }
}
