package io.moestream.jobs.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A thin jar's manifest Class-Path is expanded as the JVM would, relative to the jar. */
class ChildClasspathTest {
  @TempDir Path tmp;

  @Test
  void expandsManifestClassPathRecursivelyAndOnce() throws Exception {
    Path lib = Files.createDirectories(tmp.resolve("with space/lib"));
    Path app = jar(tmp.resolve("with space/app.jar"), "lib/a.jar lib/b%20c.jar lib/a.jar");
    Path a = jar(lib.resolve("a.jar"), "b%20c.jar");
    Path bc = jar(lib.resolve("b c.jar"), null);
    Path classes = Files.createDirectories(tmp.resolve("classes"));

    List<Path> cp = ChildClasspath.expand(List.of(app, classes));

    assertThat(cp).containsExactly(app, a, bc, classes);
  }

  @Test
  void currentIncludesThisTestsClasses() {
    assertThat(ChildClasspath.current())
        .anyMatch(p -> p.toString().contains("test-classes") || p.toString().endsWith(".jar"));
  }

  private static Path jar(Path file, String classPath) throws Exception {
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    if (classPath != null) {
      m.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
    }
    try (OutputStream out = Files.newOutputStream(file);
        JarOutputStream jar = new JarOutputStream(out, m)) {
      jar.flush();
    }
    return file;
  }
}
