package io.moestream.moe.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.function.Supplier;

/**
 * Per-thread autograd, straight on libtorch.
 *
 * <p>Why not DJL's {@code GradientCollector}: DJL allows one active collector per JVM, so two
 * trainer subtasks in one Flink TaskManager would collide. libtorch's grad mode is thread-local, so
 * setting it around each forward pass and calling backward directly lets every thread train its own
 * model independently. Grad mode is also on by default in new threads, which makes the in-place
 * optimizer update fail; {@link #noGrad} turns it off for updates and inference.
 */
public final class Autograd {
  private Autograd() {}

  /** Runs {@code forward} with gradient recording on in this thread. */
  public static <T> T recording(Supplier<T> forward) {
    boolean previous = JniUtils.isGradMode();
    JniUtils.setGradMode(true);
    try {
      return forward.get();
    } finally {
      JniUtils.setGradMode(previous);
    }
  }

  /** Runs {@code body} with gradient recording off in this thread. */
  public static <T> T noGrad(Supplier<T> body) {
    boolean previous = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      return body.get();
    } finally {
      JniUtils.setGradMode(previous);
    }
  }

  /** Runs {@code body} with gradient recording off in this thread. */
  public static void noGrad(Runnable body) {
    noGrad(
        () -> {
          body.run();
          return null;
        });
  }

  /**
   * Back-propagates the scalar {@code loss}; gradients accumulate into the leaves' {@code .grad}.
   */
  public static void backward(NDArray loss) {
    try (NDArray seed = loss.onesLike()) {
      JniUtils.backward((PtNDArray) loss, (PtNDArray) seed, false, false);
    }
  }

  /** Zeroes the accumulated gradient of a leaf (libtorch accumulates across backward passes). */
  public static void zeroGrad(NDArray leaf) {
    JniUtils.zeroGrad((PtNDArray) leaf);
  }
}
