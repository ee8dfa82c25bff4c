package io.moestream.jobs.stream;

import io.moestream.moe.config.EvoMoeConfig;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RouterConfig;

/**
 * The per-model memory cap, checked once before the job starts: a model whose training state does
 * not fit is refused with a message naming the numbers, rather than discovered by the operating
 * system's OOM killer on a TaskManager (libtorch allocates outside Flink's memory accounting).
 */
final class ModelMemory {
  private ModelMemory() {}

  /**
   * Bytes one model's training state takes: parameters, gradients and AdamW's two moments, fp32,
   * with every expert slot up to the maximum allocated.
   */
  static long trainingBytes(ModelConfig config) {
    return parameterCount(config) * 4L * Float.BYTES;
  }

  /**
   * The model's parameter count, computed from its configuration: the cap is checked before the job
   * starts, and building a model to count it would allocate the very memory being checked. Mirrors
   * {@code ModelInit.register} and each router's {@code register}; {@code ModelMemoryTest} holds it
   * equal to a built model's count for every router kind.
   */
  static long parameterCount(ModelConfig c) {
    long d = c.dModel();
    long f = c.dFf();
    long norm = 2 * d;
    long attention = d * 3 * d + 3 * d + d * d + d;
    long expert = d * f + f + f * d + d;
    long layer =
        norm
            + attention
            + norm
            + routerParameters(c.router(), d)
            + c.router().maxExperts() * expert;
    return c.vocabSize() * d + (long) c.ctx() * d + c.layers() * layer + norm;
  }

  /** Parameters one layer's router registers (see each router's {@code register}). */
  private static long routerParameters(RouterConfig r, long d) {
    return switch (r.kind()) {
      case DYNMOE -> d * r.maxExperts() + r.maxExperts(); // similarity matrix, thresholds
      case TOPK, TOPP -> d * r.experts(); // softmax gate
      case NULL_EXPERTS -> d * (r.experts() + r.nullExperts()); // gate over real and null experts
      case DENSE -> 0;
      case EVOMOE -> {
        EvoMoeConfig e = r.evo();
        long h = e.hyperHidden();
        long g = 3L * e.rank() * d;
        long hypernet = d * h + h + h * g + g; // per modality
        yield e.modalities() * hypernet + d * r.experts() + r.experts(); // + router weight, bias
      }
    };
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
