package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.cluster.FlinkProcess;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C on {@code demo}: SIGINT (SIGTERM where SIGINT is ignored, see below) to the demo's JVM
 * alone (not to its process group, as a terminal would — so the broker's own JVM must be stopped by
 * the demo, not by the signal) ends the demo, its Kafka broker JVM, and the MiniCluster, and frees
 * the broker's and the web UI's ports.
 */
class DemoInterruptITCase {
  private static final Pattern KAFKA = Pattern.compile("Kafka up at 127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern WEB_UI =
      Pattern.compile("Flink web UI: http://127\\.0\\.0\\.1:(\\d+)");

  @TempDir Path tmp;

  @Test
  void sigintStopsTheBrokerAndTheMiniClusterAndFreesTheirPorts() throws Exception {
    try (FlinkProcess demo =
        FlinkProcess.startCli(
            "demo",
            List.of(
                "demo",
                "--duration",
                "600",
                "--no-progress",
                "--work-dir",
                tmp.resolve("w").toString()),
            tmp.resolve("logs"))) {
      int kafkaPort = await(demo, KAFKA);
      int webPort = await(demo, WEB_UI);
      List<ProcessHandle> children =
          ProcessHandle.of(demo.pid()).orElseThrow().descendants().toList();
      assertThat(children).as("the broker runs in its own JVM").isNotEmpty();

      // Ctrl-C is SIGINT. A process started in the background of a non-interactive shell (as a CI
      // runner may start Maven) inherits SIGINT as ignored, so the JVM never sees it; SIGTERM
      // then takes its place — the JVM runs the same shutdown hooks for both.
      String signal = ignoresSigint(demo.pid()) ? "-TERM" : "-INT";
      Process kill = new ProcessBuilder("kill", signal, Long.toString(demo.pid())).start();
      assertThat(kill.waitFor()).isZero();
      long deadline = System.nanoTime() + 90_000_000_000L;
      while (demo.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      assertThat(demo.isAlive()).as("demo ended after %s:\n%s", signal, demo.logText()).isFalse();
      while (children.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      assertThat(children).as("no process of the demo is left").noneMatch(ProcessHandle::isAlive);
      assertThat(demo.logText()).contains("interrupted: stopping the broker and Flink");
      assertThat(free(kafkaPort)).as("Kafka's port %d is free", kafkaPort).isTrue();
      assertThat(free(webPort)).as("the web UI's port %d is free", webPort).isTrue();
    }
  }

  /** Waits for {@code line} in the demo's output; its port. */
  private static int await(FlinkProcess demo, Pattern line) throws Exception {
    long deadline = System.nanoTime() + 180_000_000_000L;
    while (System.nanoTime() < deadline) {
      Matcher m = line.matcher(demo.logText());
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      assertThat(demo.isAlive()).as("demo died:\n%s", demo.logText()).isTrue();
      Thread.sleep(200);
    }
    throw new AssertionError("no '" + line + "' within 180 s:\n" + demo.logText());
  }

  /** Whether SIGINT (signal 2, bit 1 of the SigIgn mask) is ignored by process {@code pid}. */
  private static boolean ignoresSigint(long pid) throws java.io.IOException {
    for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("SigIgn:")) {
        return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 0x2L) != 0;
      }
    }
    return false;
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port, 0, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
