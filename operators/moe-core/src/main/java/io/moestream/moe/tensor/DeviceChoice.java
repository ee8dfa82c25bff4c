package io.moestream.moe.tensor;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.Locale;

/**
 * Where a trainer runs, as a user asks for it: {@link #CPU}, {@link #GPU} or {@link #AUTO} (a GPU
 * when the engine sees one, else the CPU). Resolved to a DJL {@link Device} against the number of
 * GPUs the engine sees, so the rule is one function of two numbers and tests need no GPU.
 *
 * <p>{@link #GPU} on a machine whose engine sees no GPU is refused with {@link NoGpuException}
 * rather than quietly falling back to the CPU: whoever asked for the GPU wants to know that the
 * engine (usually a CPU libtorch, or a JNI built for another libtorch) cannot use it.
 */
public enum DeviceChoice {
  CPU,
  GPU,
  AUTO;

  /** {@code cpu}, {@code gpu} or {@code auto}, in any case. */
  public static DeviceChoice parse(String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "cpu" -> CPU;
      case "gpu", "cuda" -> GPU;
      case "auto" -> AUTO;
      default ->
          throw new IllegalArgumentException("unknown device, expected one of: cpu, gpu, auto");
    };
  }

  /** The spelling {@link #parse} takes and the command line shows. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The device of a single trainer (a local run, a benchmark, a check): GPU 0 or the CPU. */
  public Device resolve(int gpus) {
    return forSubtask(0, gpus);
  }

  /**
   * The device of trainer subtask {@code subtaskIndex}: one subtask per GPU, subtask {@code i} on
   * GPU {@code i mod gpus}; the CPU for {@link #CPU}, or for {@link #AUTO} without a GPU.
   *
   * @throws NoGpuException for {@link #GPU} when {@code gpus} is 0
   */
  public Device forSubtask(int subtaskIndex, int gpus) {
    if (subtaskIndex < 0) {
      throw new IllegalArgumentException("subtask index must be >= 0, got " + subtaskIndex);
    }
    return switch (this) {
      case CPU -> Device.cpu();
      case AUTO -> gpus <= 0 ? Device.cpu() : Device.gpu(subtaskIndex % gpus);
      case GPU -> {
        if (gpus <= 0) {
          throw new NoGpuException();
        }
        yield Device.gpu(subtaskIndex % gpus);
      }
    };
  }

  /** {@link #resolve(int)} against the GPUs the engine sees now (loads the engine). */
  public Device resolve() {
    return resolve(this == CPU ? 0 : Engine.getInstance().getGpuCount());
  }

  /**
   * A GPU was asked for and the engine sees none. An environment failure, not bad input: the
   * command is right for a machine with a GPU and a CUDA libtorch.
   */
  public static final class NoGpuException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public NoGpuException() {
      super("a GPU was asked for, but DJL's PyTorch engine sees none");
    }
  }
}
