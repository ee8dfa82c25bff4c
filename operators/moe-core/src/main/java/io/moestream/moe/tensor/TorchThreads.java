package io.moestream.moe.tensor;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * libtorch's intra-op thread count, set in one place for the whole project: for a block, restored
 * afterwards ({@link #use}: the benchmarks), or for the rest of the process ({@link #set}: a
 * trainer subtask, whose TaskManager JVM trains nothing else).
 *
 * <p>Why it matters: small models are dispatch-bound, so a second intra-op thread buys nothing and,
 * when the other core is busy, its spin-waiting makes steps tens of times slower (measured: 124 vs
 * 4,000 tokens/s on a loaded 2-core machine). Restoring after a block keeps the rest of the process
 * (other commands, other tests in the same JVM) as it was.
 */
public final class TorchThreads implements AutoCloseable {
  private final int previous; // 0: nothing was changed, nothing to restore

  private TorchThreads(int previous) {
    this.previous = previous;
  }

  /** Uses {@code threads} intra-op threads until {@link #close()}; 0 leaves the setting alone. */
  public static TorchThreads use(int threads) {
    return new TorchThreads(set(threads));
  }

  /**
   * Uses {@code threads} intra-op threads from now on; 0 leaves the setting alone.
   *
   * @return the count before, or 0 when nothing was changed
   */
  public static int set(int threads) {
    if (threads < 0) {
      throw new IllegalArgumentException("--threads must be >= 0, got " + threads);
    }
    if (threads == 0) {
      return 0;
    }
    Engine.getInstance(); // loads libtorch (and applies ai.djl.pytorch.*) before the JNI calls
    int previous = JniUtils.getNumThreads();
    JniUtils.setNumThreads(threads);
    return previous;
  }

  @Override
  public void close() {
    if (previous > 0) {
      JniUtils.setNumThreads(previous);
    }
  }
}
