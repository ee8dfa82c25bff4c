package io.moestream.jobs.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A libtorch that does not load (here: files named like libtorch that are not libraries, as a
 * half-copied install would leave) is one {@code error:} line and exit 1, in a JVM of its own,
 * since DJL loads its engine once per process and this one must stay usable.
 */
class DoctorBrokenLibtorchITCase {
  @TempDir Path tmp;

  @Test
  void aLibtorchThatDoesNotLoadIsOneLineAndExit1() throws Exception {
    Path lib = Files.createDirectories(tmp.resolve("torch/lib"));
    for (String name : List.of("libc10.so", "libtorch_cpu.so", "libtorch.so")) {
      Files.writeString(lib.resolve(name), "not a library");
    }
    Path out = tmp.resolve("out.txt");
    Path err = tmp.resolve("err.txt");
    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-Dai.djl.offline=true",
                "-cp",
                System.getProperty("java.class.path"),
                "io.moestream.jobs.MoeCli",
                "doctor")
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().put("PYTORCH_LIBRARY_PATH", lib.toString());
    pb.environment().put("PYTORCH_VERSION", "2.9.0");
    pb.environment().put("PYTORCH_FLAVOR", "cpu");
    Process p = pb.start();
    // a functional bound, not a performance check: the doctor must give up, not hang
    boolean ended = p.waitFor(120, TimeUnit.SECONDS);
    if (!ended) {
      p.destroyForcibly();
    }
    assertThat(ended).as("doctor ended").isTrue();
    List<String> errors =
        Files.readAllLines(err).stream()
            // the JVM's own warning about a library's executable stack is not ours to silence
            .filter(l -> !l.contains("stack guard") && !l.contains("execstack"))
            .toList();
    assertThat(p.exitValue()).as(String.join("\n", errors)).isEqualTo(1);
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0))
        .startsWith("error: libtorch did not load (")
        .contains(lib.toString(), "PYTORCH_LIBRARY_PATH", "README \"GPU\"")
        .doesNotContain("\tat ");
    assertThat(Files.readString(out)).doesNotContain("verdict");
  }
}
