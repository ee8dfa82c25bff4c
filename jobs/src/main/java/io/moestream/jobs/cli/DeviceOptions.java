package io.moestream.jobs.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.moestream.moe.tensor.DeviceChoice;
import picocli.CommandLine.Option;

/**
 * {@code --device cpu|gpu|auto}: where a command's model trains or is checked. One mixin, so that
 * {@code train}, {@code train-local}, {@code bench train} and {@code reference-check} spell,
 * default and refuse it the same way.
 *
 * <p>Asking for a GPU on a machine whose engine sees none exits 1 (an environment failure, README
 * "Exit codes"): the command is right, the machine (a CPU libtorch, no driver, a JNI built for
 * another libtorch) is what must change, and {@code moe doctor} says which.
 */
public final class DeviceOptions {
  /** What a user whose GPU is not seen should do next; part of the one error line. */
  static final String WHAT_TO_DO =
      "run 'moe doctor' to see the engine and GPUs DJL finds, and README \"GPU\" to set one up";

  @Option(
      names = "--device",
      paramLabel = "DEVICE",
      defaultValue = "auto",
      converter = Converters.Device.class,
      description =
          "Where to run: cpu, gpu (fails when DJL sees no GPU) or auto (a GPU when DJL sees"
              + " one, else the CPU) (default: ${DEFAULT-VALUE}).")
  DeviceChoice device = DeviceChoice.AUTO;

  public DeviceOptions() {}

  /** For a command that checks without parsing, and for tests. */
  public DeviceOptions(DeviceChoice device) {
    this.device = device;
  }

  public DeviceChoice choice() {
    return device;
  }

  /** The device of a single trainer in this JVM, against the GPUs DJL sees now. */
  public Device resolve() {
    return resolve(device == DeviceChoice.CPU ? 0 : Engine.getInstance().getGpuCount());
  }

  /**
   * The device of a single trainer with {@code gpus} GPUs visible.
   *
   * @throws IllegalStateException with the one line to print, for {@code gpu} when {@code gpus} is
   *     0
   */
  public Device resolve(int gpus) {
    try {
      return device.resolve(gpus);
    } catch (DeviceChoice.NoGpuException e) {
      throw new IllegalStateException(noGpuLine());
    }
  }

  /** The line printed for {@code --device gpu} on a machine whose engine sees no GPU. */
  public static String noGpuLine() {
    return "--device gpu: DJL's PyTorch engine sees no GPU; " + WHAT_TO_DO;
  }
}
