package io.moestream.jobs.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * The {@code server.properties} of a single-node KRaft broker (broker and controller in one
 * process) on loopback.
 *
 * <p>Each setting exists for a reason the pipeline hits: one node means every internal topic needs
 * replication factor 1 and {@code min.insync.replicas} 1 or transactions never complete; {@code
 * transaction.max.timeout.ms} must exceed the {@code transaction.timeout.ms} of Flink's
 * exactly-once sink (10 minutes in {@code KafkaConnectors}); auto topic creation is off so a typo
 * in a topic name fails loudly instead of training on an empty topic; few internal partitions and
 * no initial rebalance delay keep start-up and the first consumer group fast.
 *
 * @param host the address both listeners bind to and advertise
 * @param port the client (PLAINTEXT) listener
 * @param controllerPort the KRaft controller listener
 * @param dataDir where the broker keeps its log segments and metadata
 */
record BrokerConfig(String host, int port, int controllerPort, Path dataDir) {
  static final int NODE_ID = 1;
  static final String LOOPBACK = "127.0.0.1";

  /** A configuration on two ports that are free on loopback right now. */
  static BrokerConfig onFreePorts(Path dataDir) {
    int port = freePort();
    int controllerPort = freePort();
    while (controllerPort == port) {
      controllerPort = freePort();
    }
    return new BrokerConfig(LOOPBACK, port, controllerPort, dataDir);
  }

  String bootstrapServers() {
    return host + ":" + port;
  }

  Properties toProperties(Map<String, String> overrides) {
    Properties p = new Properties();
    p.setProperty("process.roles", "broker,controller");
    p.setProperty("node.id", Integer.toString(NODE_ID));
    p.setProperty("controller.quorum.voters", NODE_ID + "@" + host + ":" + controllerPort);
    p.setProperty(
        "listeners",
        "PLAINTEXT://" + host + ":" + port + ",CONTROLLER://" + host + ":" + controllerPort);
    p.setProperty("advertised.listeners", "PLAINTEXT://" + host + ":" + port);
    p.setProperty("controller.listener.names", "CONTROLLER");
    p.setProperty("inter.broker.listener.name", "PLAINTEXT");
    p.setProperty("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
    p.setProperty("log.dirs", dataDir.toAbsolutePath().toString());
    p.setProperty("auto.create.topics.enable", "false");
    p.setProperty("num.partitions", "1");
    p.setProperty("default.replication.factor", "1");
    p.setProperty("min.insync.replicas", "1");
    p.setProperty("offsets.topic.replication.factor", "1");
    p.setProperty("offsets.topic.num.partitions", "4");
    p.setProperty("transaction.state.log.replication.factor", "1");
    p.setProperty("transaction.state.log.min.isr", "1");
    p.setProperty("transaction.state.log.num.partitions", "4");
    p.setProperty("transaction.max.timeout.ms", "900000");
    p.setProperty("share.coordinator.state.topic.replication.factor", "1");
    p.setProperty("share.coordinator.state.topic.min.isr", "1");
    p.setProperty("group.initial.rebalance.delay.ms", "0");
    // Compacted topics (the registry) must actually compact during a demo, not after a week.
    p.setProperty("log.cleaner.backoff.ms", "1000");
    p.putAll(overrides);
    return p;
  }

  /** Writes {@link #toProperties} to {@code file}. */
  void write(Path file, Map<String, String> overrides) {
    try (OutputStream out = Files.newOutputStream(file)) {
      toProperties(overrides).store(out, "single-node KRaft broker written by EmbeddedKafkaBroker");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /**
   * A port nobody listens on now. Another process could take it before the broker binds; the broker
   * then fails to start and {@link EmbeddedKafkaBroker} retries on new ports.
   */
  static int freePort() {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port on " + LOOPBACK, e);
    }
  }

  /** Whether nothing listens on {@code port} on loopback (a new listener could bind it). */
  static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
