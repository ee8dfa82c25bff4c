package io.moestream.jobs.doctor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * How many NVIDIA GPUs this machine has, asked of the driver rather than of DJL: the doctor
 * compares the two, because a libtorch that cannot use CUDA makes DJL report no GPU at all.
 */
final class NvidiaDevices {
  private static final Pattern DEVICE_NODE = Pattern.compile("nvidia[0-9]+");

  private NvidiaDevices() {}

  /** The driver's GPUs ({@code /proc/driver/nvidia/gpus/*}), else its device nodes; 0 if none. */
  static int count() {
    return count(Path.of("/proc/driver/nvidia/gpus"), Path.of("/dev"));
  }

  static int count(Path driverGpus, Path dev) {
    int fromDriver = entries(driverGpus, null);
    return fromDriver > 0 ? fromDriver : entries(dev, DEVICE_NODE);
  }

  private static int entries(Path dir, Pattern name) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return (int)
          s.filter(p -> name == null || name.matcher(p.getFileName().toString()).matches()).count();
    } catch (IOException | SecurityException e) {
      return 0; // unreadable: say nothing rather than guess
    }
  }
}
