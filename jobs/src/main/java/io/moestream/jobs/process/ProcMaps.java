package io.moestream.jobs.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The memory mappings of this process ({@code /proc/self/maps}): which native libraries it has
 * loaded, whoever loaded them — DJL's libtorch and JNI, a preloaded allocator. Read as ISO-8859-1:
 * a mapped path need not be UTF-8, and one byte that is not must not hide every other line.
 */
public final class ProcMaps {
  private static final Path SELF = Path.of("/proc/self/maps");

  private ProcMaps() {}

  /** This process's mapping lines, or empty where they cannot be read (not Linux). */
  public static Optional<List<String>> ofThisProcess() {
    if (!Files.isReadable(SELF)) {
      return Optional.empty();
    }
    try {
      return Optional.of(lines(SELF));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The lines of a maps file. */
  static List<String> lines(Path maps) throws IOException {
    return Files.readAllLines(maps, StandardCharsets.ISO_8859_1);
  }
}
