package io.moestream.jobs;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Sets libtorch's intra-op thread count for a block and restores it afterwards. The drift
 * benchmark's models are so small that every op is dispatch-bound: a second intra-op thread buys
 * nothing and, when the other core is busy, its spin-waiting makes steps tens of times slower
 * (measured: 124 vs 4,000 tokens/s on a loaded 2-core machine). Restoring keeps the rest of the
 * process (other commands, other tests in the same JVM) as it was.
 */
public final class TorchThreads implements AutoCloseable {
  private final int previous; // 0: nothing was changed, nothing to restore

  private TorchThreads(int threads) {
    if (threads == 0) {
      previous = 0;
      return;
    }
    Engine.getInstance(); // loads libtorch (and applies ai.djl.pytorch.*) before the JNI calls
    previous = JniUtils.getNumThreads();
    JniUtils.setNumThreads(threads);
  }

  /** Uses {@code threads} intra-op threads until {@link #close()}; 0 leaves the setting alone. */
  public static TorchThreads use(int threads) {
    if (threads < 0) {
      throw new IllegalArgumentException("--threads must be >= 0, got " + threads);
    }
    return new TorchThreads(threads);
  }

  @Override
  public void close() {
    if (previous > 0) {
      JniUtils.setNumThreads(previous);
    }
  }
}
