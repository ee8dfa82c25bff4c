package io.moestream.jobs.kafka;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The class path a child JVM needs to run code shipped with this process (the Kafka broker).
 *
 * <p>Why not just {@code java.class.path}: launched as {@code java -jar moe-pipeline.jar}, the
 * property names only the thin jar, whose dependencies are listed in its manifest's {@code
 * Class-Path} ({@code lib/*.jar}); a plain {@code -cp moe-pipeline.jar} in the child would lose
 * them. The same holds for manifest-only "booter" jars that test runners may use. So every jar on
 * the path is opened and its {@code Class-Path} entries, resolved against the jar's own folder as
 * the JVM would, are added after it (recursively, each entry once).
 */
final class ChildClasspath {
  private ChildClasspath() {}

  /** This JVM's class path with all manifest {@code Class-Path} entries expanded. */
  static List<Path> current() {
    String cp = System.getProperty("java.class.path", "");
    List<Path> roots = new ArrayList<>();
    for (String entry : cp.split(File.pathSeparator)) {
      if (!entry.isBlank()) {
        roots.add(Path.of(entry).toAbsolutePath().normalize());
      }
    }
    return expand(roots);
  }

  /** {@code roots} in order, each followed by what its manifest {@code Class-Path} adds. */
  static List<Path> expand(List<Path> roots) {
    Set<Path> seen = new LinkedHashSet<>();
    for (Path root : roots) {
      add(root, seen);
    }
    if (seen.isEmpty()) {
      throw new IllegalStateException(
          "cannot start a child JVM: this process has an empty java.class.path");
    }
    return List.copyOf(seen);
  }

  private static void add(Path entry, Set<Path> seen) {
    if (!seen.add(entry)) {
      return;
    }
    if (!Files.isRegularFile(entry) || !entry.toString().endsWith(".jar")) {
      return;
    }
    for (Path dependency : manifestClassPath(entry)) {
      add(dependency, seen);
    }
  }

  private static List<Path> manifestClassPath(Path jar) {
    List<Path> out = new ArrayList<>();
    try (JarFile file = new JarFile(jar.toFile())) {
      Manifest manifest = file.getManifest();
      String value =
          manifest == null
              ? null
              : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
      if (value == null) {
        return out;
      }
      URI base = jar.toAbsolutePath().getParent().toUri();
      for (String url : value.trim().split("\\s+")) {
        if (url.isEmpty()) {
          continue;
        }
        URI resolved = base.resolve(url);
        if ("file".equals(resolved.getScheme())) {
          out.add(Path.of(resolved).normalize());
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      // An unreadable jar adds nothing; the child will report a missing class if it mattered.
    }
    return out;
  }
}
