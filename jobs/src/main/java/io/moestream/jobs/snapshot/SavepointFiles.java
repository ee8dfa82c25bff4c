package io.moestream.jobs.snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/** Where a savepoint lies on this machine, and removal of the directories its readers fill. */
public final class SavepointFiles {
  private SavepointFiles() {}

  /**
   * The local path of {@code location}: a plain path or a {@code file:} URI (as Flink reports
   * savepoint locations); empty for any other scheme ({@code hdfs://}, {@code s3://}, ...).
   */
  public static Optional<Path> localPath(String location) {
    if (location.startsWith("file:")) {
      return Optional.of(Path.of(URI.create(location)));
    }
    if (location.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
      return Optional.empty();
    }
    return Optional.of(Path.of(location));
  }

  /**
   * Best-effort removal of a reader's temporary directory: Flink's local environment may still be
   * removing its own files in there when the job has returned, so files vanishing under the walk
   * are expected, and a leftover temp file must not fail a read that succeeded.
   */
  public static void deleteTree(Path root) {
    for (int attempt = 0; attempt < 3 && Files.exists(root); attempt++) {
      try (Stream<Path> s = Files.walk(root)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      } catch (IOException | UncheckedIOException e) {
        // a file went away under the walk: walk again
      }
    }
  }
}
