package io.moestream.jobs.kafka;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Java main run in its own JVM with this process's class path, its output appended to a log file.
 *
 * <p>Why a separate JVM for the broker: the Kafka server brings Scala, its own metrics and a
 * different logging setup, and it calls {@code System.exit} from its tools; in-process it would
 * share (and be able to kill) the Flink/DJL JVM it serves. A child is also what a real deployment
 * looks like: the job talks to the broker over a socket only.
 *
 * <p>The class path goes into a {@code java @argfile} so a long test class path never hits the
 * operating system's command-line limit.
 */
final class ChildJvm {
  private final Process process;
  private final Path log;

  private ChildJvm(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code mainClass args} in a new JVM; stdout and stderr go to {@code dir/name.log}.
   *
   * @param jvmOptions options before the main class, e.g. {@code -Xmx512m}
   */
  static ChildJvm start(
      Path dir, String name, List<String> jvmOptions, String mainClass, List<String> args)
      throws IOException {
    List<String> options = new ArrayList<>(jvmOptions);
    options.add("-cp");
    options.add(String.join(java.io.File.pathSeparator, strings(ChildClasspath.current())));
    Path argFile = dir.resolve(name + ".args");
    List<String> quoted = new ArrayList<>();
    for (String option : options) {
      quoted.add(quote(option));
    }
    Files.write(argFile, quoted, StandardCharsets.UTF_8);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("@" + argFile);
    command.add(mainClass);
    command.addAll(args);
    Path log = dir.resolve(name + ".log");
    Process p =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(Redirect.appendTo(log.toFile()))
            .start();
    p.getOutputStream().close(); // the child never reads stdin
    return new ChildJvm(p, log);
  }

  /**
   * Waits for the child to exit by itself.
   *
   * @return its exit code
   * @throws IllegalStateException if it runs longer than {@code timeout} (it is then killed)
   */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      stop(Duration.ZERO);
      throw new IllegalStateException(
          "child JVM did not finish within " + timeout.toSeconds() + " s; " + logTail(20));
    }
    return process.exitValue();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  /** Asks the child to stop (SIGTERM), kills it after {@code grace}, and waits until it is gone. */
  void stop(Duration grace) {
    if (!process.isAlive()) {
      return;
    }
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  Path log() {
    return log;
  }

  /** The last {@code lines} lines of the child's output, for error messages. */
  String logTail(int lines) {
    try {
      // Decoded leniently: a log is no reason to fail while reporting another failure.
      List<String> all =
          new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
      List<String> tail = all.subList(Math.max(0, all.size() - lines), all.size());
      return "last lines of " + log + ":\n" + String.join("\n", tail);
    } catch (IOException e) {
      return "no output in " + log + " (" + e.getMessage() + ")";
    }
  }

  private static List<String> strings(List<Path> paths) {
    return paths.stream().map(Path::toString).toList();
  }

  /** Quotes an argument for a java launcher argument file. */
  private static String quote(String arg) {
    return '"' + arg.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }
}
