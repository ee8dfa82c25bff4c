package io.moestream.jobs.cluster;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One JVM of the cluster (JobManager, TaskManager or a tool), started as Flink's own scripts start
 * it: {@code java <jvm params> -cp <lib/*> <entry class> --configDir <conf> <dynamic -D ...>}, its
 * output in a log file. {@link #kill()} is SIGKILL (no shutdown hook runs, as in a machine or
 * container loss); {@link #close()} asks politely (SIGTERM) first.
 */
public final class FlinkProcess implements AutoCloseable {
  /** What Flink's default config.yaml passes on JDK 17 ({@code env.java.opts.all}). */
  public static final List<String> JDK17_OPENS =
      List.of(
          "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
          "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
          "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
          "--add-opens=java.base/java.lang=ALL-UNNAMED",
          "--add-opens=java.base/java.net=ALL-UNNAMED",
          "--add-opens=java.base/java.io=ALL-UNNAMED",
          "--add-opens=java.base/java.nio=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
          "--add-opens=java.base/java.text=ALL-UNNAMED",
          "--add-opens=java.base/java.time=ALL-UNNAMED",
          "--add-opens=java.base/java.util=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

  private final String name;
  private final Process process;
  private final Path log;

  private FlinkProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  public static FlinkProcess start(
      String name,
      List<Path> classpath,
      List<String> jvmOptions,
      String mainClass,
      List<String> args,
      Path logDir)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(String.join(File.pathSeparator, classpath.stream().map(Path::toString).toList()));
    cmd.add(mainClass);
    cmd.addAll(args);
    Files.createDirectories(logDir);
    Path log = logDir.resolve(name + ".log");
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    return new FlinkProcess(name, p, log);
  }

  /**
   * This project's command line ({@code MoeCli}) in its own JVM on the test class path, with the
   * flags {@code ./moe} passes: for tests that must kill or signal a whole process.
   */
  public static FlinkProcess startCli(String name, List<String> args, Path logDir)
      throws IOException {
    return startCli(name, args, logDir, List.of());
  }

  /** {@link #startCli(String, List, Path)} with more JVM options (a log level, say). */
  public static FlinkProcess startCli(
      String name, List<String> args, Path logDir, List<String> moreJvmOptions) throws IOException {
    List<Path> classpath =
        java.util.Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .map(Path::of)
            .toList();
    List<String> jvm = new ArrayList<>(JDK17_OPENS);
    jvm.addAll(
        List.of(
            "-Xmx1g",
            "-Dai.djl.offline=true",
            "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.moestream.schemas"));
    jvm.addAll(io.moestream.schemas.AvroLimits.jvmOptions());
    jvm.addAll(moreJvmOptions);
    return start(name, classpath, jvm, "io.moestream.jobs.MoeCli", args, logDir);
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path log() {
    return log;
  }

  /** Waits for a tool to finish; its exit code. */
  public int waitFor(long seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      kill();
      throw new IllegalStateException(name + " did not finish within " + seconds + " s");
    }
    return process.exitValue();
  }

  public String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** SIGKILL, and waits until the process is gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      kill();
    }
  }
}
