package io.moestream.jobs.stream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds the newest complete retained checkpoint ({@code <dir>/<job-id>/chk-<n>/_metadata}) so a
 * process that was killed can restart with {@code --resume} from exactly where it stopped.
 */
final class RetainedCheckpoints {
  private RetainedCheckpoints() {}

  static Optional<Path> latest(Path checkpointDir) {
    if (!Files.isDirectory(checkpointDir)) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.walk(checkpointDir, 3)) {
      return files
          .filter(p -> p.getFileName().toString().equals("_metadata"))
          .map(Path::getParent)
          .filter(p -> p.getFileName().toString().startsWith("chk-"))
          .max(Comparator.comparingLong(RetainedCheckpoints::modified));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long modified(Path p) {
    try {
      return Files.getLastModifiedTime(p.resolve("_metadata")).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }
}
