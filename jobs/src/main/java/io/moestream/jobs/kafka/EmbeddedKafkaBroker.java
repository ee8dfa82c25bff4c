package io.moestream.jobs.kafka;

import io.moestream.jobs.cli.KafkaClientProps;
import io.moestream.jobs.cli.TopicNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real, single-node Kafka broker (KRaft, broker and controller in one process) run as a child JVM
 * on loopback, for the demo and the integration tests.
 *
 * <p>Why a real broker and not a mock: the pipeline's guarantees are about transactions,
 * read_committed isolation and compaction, which only the broker implements. Why a child process:
 * see {@link ChildJvm}. Everything lives in one directory (config, data, the broker's log), which
 * {@link #close()} deletes together with the process; a shutdown hook does the same on Ctrl-C.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
  private static final Duration STOP_GRACE = Duration.ofSeconds(15);
  private static final int ATTEMPTS = 3;

  private final Path dir;
  private final BrokerConfig config;
  private final ChildJvm jvm;
  private final Duration startup;
  private final Thread shutdownHook;
  private boolean closed;

  private EmbeddedKafkaBroker(Path dir, BrokerConfig config, ChildJvm jvm, Duration startup) {
    this.dir = dir;
    this.config = config;
    this.jvm = jvm;
    this.startup = startup;
    this.shutdownHook = new Thread(this::stopAndDelete, "embedded-kafka-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts a broker in a new temporary directory. */
  public static EmbeddedKafkaBroker start() throws IOException {
    return start(Files.createTempDirectory("moe-kafka-"), Map.of());
  }

  /** Starts a broker in {@code dir}, which must be absent or empty; {@link #close()} deletes it. */
  public static EmbeddedKafkaBroker start(Path dir) throws IOException {
    return start(dir, Map.of());
  }

  /**
   * Starts a broker in {@code dir} with {@code overrides} on top of {@link BrokerConfig}'s
   * settings. Retries on fresh ports if another process took a port between choosing and binding.
   *
   * @throws IllegalStateException if the broker does not come up within 30 s (with the tail of its
   *     log in the message)
   */
  public static EmbeddedKafkaBroker start(Path dir, Map<String, String> overrides)
      throws IOException {
    Files.createDirectories(dir);
    try (var entries = Files.list(dir)) {
      if (entries.findAny().isPresent()) {
        throw new IllegalArgumentException("broker directory is not empty: " + dir);
      }
    }
    long t0 = System.nanoTime();
    // Until the instance (and its own hook) exists, a Ctrl-C must not orphan a half-started child.
    AtomicReference<ChildJvm> starting = new AtomicReference<>();
    Thread guard =
        new Thread(
            () -> {
              ChildJvm j = starting.get();
              if (j != null) {
                j.stop(Duration.ZERO);
              }
              BrokerProcess.deleteTree(dir);
            },
            "embedded-kafka-start-guard");
    Runtime.getRuntime().addShutdownHook(guard);
    try {
      for (int attempt = 1; ; attempt++) {
        Path attemptDir = Files.createDirectories(dir.resolve("attempt-" + attempt));
        BrokerConfig config = BrokerConfig.onFreePorts(attemptDir.resolve("data"));
        Path props = attemptDir.resolve("server.properties");
        config.write(props, overrides);
        BrokerProcess.format(attemptDir, props);
        ChildJvm jvm = BrokerProcess.launch(attemptDir, props);
        starting.set(jvm);
        try {
          BrokerProcess.awaitReady(config, jvm);
          starting.set(null);
          return new EmbeddedKafkaBroker(
              dir, config, jvm, Duration.ofNanos(System.nanoTime() - t0));
        } catch (IllegalStateException e) {
          jvm.stop(Duration.ZERO);
          if (attempt == ATTEMPTS || !jvm.logTail(200).contains("Address already in use")) {
            throw e;
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      stopQuietly(starting.get());
      BrokerProcess.deleteTree(dir);
      throw e;
    } catch (InterruptedException e) {
      stopQuietly(starting.get());
      BrokerProcess.deleteTree(dir);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the Kafka broker", e);
    } finally {
      removeHook(guard);
    }
  }

  private static void stopQuietly(ChildJvm jvm) {
    if (jvm != null) {
      jvm.stop(Duration.ZERO);
    }
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down; the hook runs by itself.
    }
  }

  /** {@code 127.0.0.1:PORT}, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return config.bootstrapServers();
  }

  /** Client settings for this broker (no security: it listens on loopback only). */
  public KafkaClientProps clientProps() {
    return KafkaClientProps.of(bootstrapServers(), Map.of());
  }

  /**
   * Creates topics (name → partitions) that do not exist yet, all compacted or none.
   *
   * @return the names created
   */
  public List<String> createTopics(Map<String, Integer> partitions, boolean compacted) {
    return TopicAdmin.createTopics(clientProps().admin(), partitions, compacted);
  }

  /** Creates the pipeline's four topics (see {@link TopicAdmin#createPipelineTopics}). */
  public List<String> createTopics(TopicNames names, int tokenPartitions) {
    return TopicAdmin.createPipelineTopics(clientProps().admin(), names, tokenPartitions);
  }

  /** How long {@link #start} took, formatting included. */
  public Duration startupTime() {
    return startup;
  }

  /** The broker's process id. */
  public long pid() {
    return jvm.pid();
  }

  /** The client listener's port. */
  public int port() {
    return config.port();
  }

  /** The broker's stdout and stderr (it is deleted by {@link #close()}). */
  public Path logFile() {
    return jvm.log();
  }

  /** Stops the broker (SIGTERM, then a kill after 15 s) and deletes its directory. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    removeHook(shutdownHook);
    stopAndDelete();
  }

  private synchronized void stopAndDelete() {
    if (closed) {
      return;
    }
    closed = true;
    jvm.stop(STOP_GRACE);
    BrokerProcess.deleteTree(dir);
  }
}
