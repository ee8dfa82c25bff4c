package io.moestream.moe.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;

/**
 * Every read of a tensor's values into Java goes through here, so the number of device→host
 * transfers a training step makes is counted exactly, on any device (issue 17: {@code bench train}
 * reports it per step, and it is the first thing to look at when a GPU step is slow: each read
 * waits for every queued kernel, so a step is at least as slow as its chain of round trips).
 *
 * <p>One call is one transfer: the dtype conversion before it runs on the tensor's device. The
 * count is per thread, like a trainer (one thread drives one trainer, libtorch grad mode is per
 * thread too): read {@link #count()} before and after a step; the difference is that step's reads.
 */
public final class DeviceReads {
  private static final ThreadLocal<long[]> COUNT = ThreadLocal.withInitial(() -> new long[1]);

  private DeviceReads() {}

  /** Device→host reads made so far on this thread. */
  public static long count() {
    return COUNT.get()[0];
  }

  /** {@code a}'s values as float32, row-major. */
  public static float[] floats(NDArray a) {
    COUNT.get()[0]++;
    return a.toType(DataType.FLOAT32, false).toFloatArray();
  }

  /** {@code a}'s values as float64, row-major (exact for float32 and bfloat16 tensors). */
  public static double[] doubles(NDArray a) {
    COUNT.get()[0]++;
    return a.toType(DataType.FLOAT64, false).toDoubleArray();
  }

  /**
   * Several tensors' values in one transfer, as float64 (exact for float32 and bfloat16): one
   * row-major array per tensor, null where the tensor is null. The concatenation runs on the
   * device; only its result crosses.
   */
  public static double[][] doubles(NDArray... parts) {
    return split(together(DataType.FLOAT64, parts).toDoubleArray(), parts);
  }

  /** {@link #doubles(NDArray...)} as float32 (exact for 0/1 selections and float32 values). */
  public static float[][] floats(NDArray... parts) {
    float[] all = together(DataType.FLOAT32, parts).toFloatArray();
    float[][] out = new float[parts.length][];
    int at = 0;
    for (int i = 0; i < parts.length; i++) {
      if (parts[i] != null) {
        out[i] = java.util.Arrays.copyOfRange(all, at, at + (int) parts[i].size());
        at += out[i].length;
      }
    }
    return out;
  }

  private static NDArray together(DataType type, NDArray... parts) {
    COUNT.get()[0]++;
    NDList flat = new NDList();
    for (NDArray p : parts) {
      if (p != null) {
        flat.add(p.toType(type, false).reshape(-1));
      }
    }
    if (flat.isEmpty()) {
      throw new IllegalArgumentException("nothing to read");
    }
    return flat.size() == 1 ? flat.get(0) : NDArrays.concat(flat);
  }

  private static double[][] split(double[] all, NDArray... parts) {
    double[][] out = new double[parts.length][];
    int at = 0;
    for (int i = 0; i < parts.length; i++) {
      if (parts[i] != null) {
        out[i] = java.util.Arrays.copyOfRange(all, at, at + (int) parts[i].size());
        at += out[i].length;
      }
    }
    return out;
  }

  /** A 0-dim (or one-element) tensor's value as a double. */
  public static double scalar(NDArray a) {
    COUNT.get()[0]++;
    return a.toType(DataType.FLOAT64, false).getDouble();
  }
}
