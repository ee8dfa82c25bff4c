package io.moestream.moe.train;

import ai.djl.ndarray.NDArray;
import io.moestream.moe.tensor.HostMemory;

/**
 * One tensor's share of an update: its (clipped later) gradient, its moments, its values, and
 * whether weight decay applies to it. The moments and values are updated in place.
 */
record TensorUpdate(NDArray grad, NDArray mean, NDArray var, NDArray theta, boolean decay) {
  /** Whether all four live in CPU float32 memory a Java pass can reach ({@link HostMemory}). */
  boolean inHostMemory() {
    return HostMemory.viewable(grad)
        && HostMemory.viewable(mean)
        && HostMemory.viewable(var)
        && HostMemory.viewable(theta);
  }
}
