package io.moestream.jobs.snapshot;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Python examples ({@code examples/python/}) as child processes of Debian's {@code
 * /usr/bin/python3}. Where that interpreter or one of the Debian packages the examples import
 * ({@code python3-torch}, {@code python3-confluent-kafka}, {@code python3-avro}) is missing, the
 * calling test is skipped through a JUnit assumption that names what is missing: reported as
 * skipped, never as passed.
 */
final class PythonExamples {
  static final Path PYTHON = Path.of("/usr/bin/python3");
  static final Path DIR = Path.of("../examples/python").toAbsolutePath().normalize();

  /**
   * @param exit the process's exit code
   * @param out its standard output
   * @param err its standard error
   */
  record Run(int exit, String out, String err) {}

  private PythonExamples() {}

  /** Skips the calling test unless {@code python3} can import every module in {@code modules}. */
  static void assumeModules(Path work, String... modules) throws Exception {
    assumeTrue(Files.isExecutable(PYTHON), PYTHON + " is not installed (Debian: python3)");
    Run r = run(work, 120, "-c", "import " + String.join(", ", modules));
    assumeTrue(
        r.exit() == 0,
        "python3 cannot import "
            + String.join(", ", modules)
            + " (Debian: python3-torch, python3-confluent-kafka, python3-avro): "
            + r.err().strip().lines().reduce((a, b) -> b).orElse("exit " + r.exit()));
  }

  /** {@code python3 examples/python/<script> args...}. */
  static Run script(Path work, long timeoutSeconds, String script, String... args)
      throws Exception {
    List<String> all = new ArrayList<>();
    all.add(DIR.resolve(script).toString());
    all.addAll(List.of(args));
    return run(work, timeoutSeconds, all.toArray(String[]::new));
  }

  /**
   * Runs python3 with {@code args}, output to files under {@code work} (no pipe to fill), killed
   * and failed after {@code timeoutSeconds}: a generous bound that keeps a hung child from hanging
   * the build, not a performance assertion.
   */
  static Run run(Path work, long timeoutSeconds, String... args) throws Exception {
    Files.createDirectories(work);
    Path out = Files.createTempFile(work, "py", ".out");
    Path err = Files.createTempFile(work, "py", ".err");
    List<String> cmd = new ArrayList<>();
    cmd.add(PYTHON.toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("PYTHONDONTWRITEBYTECODE", "1"); // no __pycache__ in the source tree
    Process p = pb.start();
    try {
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        fail(
            "python3 "
                + String.join(" ", args)
                + " ran past "
                + timeoutSeconds
                + " s: "
                + read(err));
      }
    } finally {
      p.destroyForcibly();
    }
    return new Run(p.exitValue(), read(out), read(err));
  }

  private static String read(Path f) throws IOException {
    return Files.readString(f, StandardCharsets.UTF_8);
  }
}
