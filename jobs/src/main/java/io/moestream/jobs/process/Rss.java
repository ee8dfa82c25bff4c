package io.moestream.jobs.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resident memory of this process. The JVM heap says nothing about libtorch's native tensors, so a
 * leak of per-step tensors only shows in the kernel's count of resident pages.
 */
public final class Rss {
  private Rss() {}

  /** VmRSS in MiB, or NaN where {@code /proc/self/status} does not exist (not Linux). */
  public static double megabytes() {
    return megabytes(Path.of("/proc/self/status"));
  }

  /** VmRSS of process {@code pid} in MiB, NaN where unknown. */
  public static double megabytesOf(long pid) {
    return megabytes(Path.of("/proc/" + pid + "/status"));
  }

  private static double megabytes(Path status) {
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("VmRSS:")) {
          String kb = line.substring(6).trim().split("\\s+")[0];
          return Long.parseLong(kb) / 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }
}
