package io.moestream.jobs.stream;

import ai.djl.Device;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.train.MoeTrainer;

/**
 * The per-model memory cap, checked once before the job starts: a model whose training state does
 * not fit is refused with a message naming the numbers, rather than discovered by the operating
 * system's OOM killer on a TaskManager (libtorch allocates outside Flink's memory accounting).
 */
final class ModelMemory {
  private ModelMemory() {}

  /**
   * Bytes one model's training state takes: parameters, gradients and AdamW's two moments, fp32,
   * with every expert slot up to the maximum allocated. Measured on a real model (built once on the
   * CPU), not estimated, so it follows every router's own parameters.
   */
  static long trainingBytes(ModelConfig config) {
    try (MoeTrainer t = MoeTrainer.create(config, TrainConfig.defaults(0), Device.cpu())) {
      return t.parameterCount() * 4L * Float.BYTES;
    }
  }

  /** Throws with a clear message when one model needs more than {@code maxMb}. */
  static void check(ModelConfig config, long maxMb) {
    if (maxMb < 1) {
      throw new IllegalArgumentException("--max-model-memory must be >= 1 (MB)");
    }
    long bytes = trainingBytes(config);
    if (bytes > maxMb * 1024 * 1024) {
      throw new IllegalArgumentException(
          String.format(
              "one model needs %,d MB of training state (parameters, gradients, two AdamW moments),"
                  + " over --max-model-memory %d MB: make the model smaller (--d, --ff, --emax,"
                  + " --layers) or raise the cap, and the TaskManager's"
                  + " taskmanager.memory.task.off-heap.size with it",
              (bytes + (1 << 20) - 1) >> 20, maxMb));
    }
  }
}
