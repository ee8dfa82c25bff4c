package io.moestream.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resident memory of this process. The JVM heap says nothing about libtorch's native tensors, so a
 * leak of per-step tensors only shows in the kernel's count of resident pages.
 */
final class Rss {
  private Rss() {}

  /** VmRSS in MiB, or NaN where {@code /proc/self/status} does not exist (not Linux). */
  static double megabytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
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
