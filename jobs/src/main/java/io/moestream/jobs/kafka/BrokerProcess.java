package io.moestream.jobs.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.Uuid;

/**
 * The three steps of bringing up a KRaft broker in its own JVM, as Kafka's scripts do them: format
 * the storage ({@code kafka.tools.StorageTool format}, which writes the cluster id and the
 * bootstrap metadata; a KRaft broker refuses to start on an unformatted directory), start {@code
 * kafka.Kafka server.properties}, and wait until it serves clients.
 */
final class BrokerProcess {
  static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(60);
  static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final List<String> JVM_OPTIONS =
      List.of(
          "-Xms64m",
          "-Xmx512m",
          "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1", // a broker this small starts faster than C2 would pay off
          "-Djava.awt.headless=true",
          // Kafka's dynamic-log-level code touches the Log4j API; without this it prints a scary
          // "could not find a logging provider" ERROR. Kafka itself logs through slf4j.
          "-Dlog4j2.loggerContextFactory=org.apache.logging.log4j.simple.SimpleLoggerContextFactory",
          "-Dorg.slf4j.simpleLogger.showDateTime=true",
          "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS");

  private BrokerProcess() {}

  /** Formats {@code props}' log directory for a new single-node cluster with a random id. */
  static void format(Path dir, Path props) throws IOException {
    List<String> args =
        List.of("format", "-t", Uuid.randomUuid().toString(), "-c", props.toString());
    ChildJvm tool = ChildJvm.start(dir, "format", JVM_OPTIONS, "kafka.tools.StorageTool", args);
    try {
      int exit = tool.awaitExit(FORMAT_TIMEOUT);
      if (exit != 0) {
        throw new IllegalStateException(
            "formatting the Kafka storage failed (exit " + exit + "); " + tool.logTail(20));
      }
    } catch (InterruptedException e) {
      tool.stop(Duration.ZERO);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while formatting the Kafka storage", e);
    }
  }

  /** Starts the broker; its output goes to {@code dir/broker.log}. */
  static ChildJvm launch(Path dir, Path props) throws IOException {
    return ChildJvm.start(dir, "broker", JVM_OPTIONS, "kafka.Kafka", List.of(props.toString()));
  }

  /**
   * Returns once the broker lists itself as live.
   *
   * @throws IllegalStateException if it exits or stays silent for {@link #START_TIMEOUT}, with the
   *     tail of its log
   */
  static void awaitReady(BrokerConfig config, ChildJvm jvm) throws InterruptedException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!jvm.isAlive()) {
        throw new IllegalStateException(
            "the Kafka broker exited during start-up; " + jvm.logTail(30));
      }
      if (BrokerProbe.accepts(config.host(), config.port())
          && BrokerProbe.hasLiveBroker(config.bootstrapServers(), Duration.ofSeconds(3))) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(
        "the Kafka broker at "
            + config.bootstrapServers()
            + " did not answer within "
            + START_TIMEOUT.toSeconds()
            + " s; "
            + jvm.logTail(30));
  }

  /** Deletes {@code root} and everything below it; nothing if it is absent. */
  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the broker directory " + root, e);
    }
  }
}
