package io.moestream.jobs.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded broker is a real Kafka: transactions commit and abort, read_committed hides the
 * aborted ones, compacted topics are created as such, and an external client (kcat, where
 * installed) reads what Java wrote. Closing it leaves no process, port or directory behind.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EmbeddedKafkaBrokerITCase {
  static {
    // The clients' INFO config dumps would bury the test output; warnings still show.
    if (System.getProperty("org.slf4j.simpleLogger.log.org.apache.kafka") == null) {
      System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
    }
  }

  @TempDir static Path tmp;
  private static EmbeddedKafkaBroker broker;
  private static Path dir;

  @BeforeAll
  static void start() throws Exception {
    dir = tmp.resolve("kafka");
    broker = EmbeddedKafkaBroker.start(dir);
    System.out.println("embedded Kafka broker up in " + broker.startupTime().toMillis() + " ms");
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  @Order(1)
  void createsCompactedAndPlainTopics() throws Exception {
    assertThat(broker.createTopics(Map.of("registry", 2), true)).containsExactly("registry");
    assertThat(broker.createTopics(Map.of("plain", 1), false)).containsExactly("plain");
    assertThat(broker.createTopics(Map.of("plain", 1), false)).as("idempotent").isEmpty();
    try (Admin admin = Admin.create(broker.clientProps().admin())) {
      assertThat(admin.listTopics().names().get()).contains("registry", "plain");
      assertThat(cleanupPolicy(admin, "registry")).isEqualTo("compact");
      assertThat(cleanupPolicy(admin, "plain")).isEqualTo("delete");
    }
  }

  @Test
  @Order(2)
  void readCommittedSeesCommittedTransactionsOnly() throws Exception {
    Properties p = broker.clientProps().producer();
    p.setProperty("transactional.id", "it-tx");
    p.setProperty("transaction.timeout.ms", "60000");
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(record("plain", "k1", "committed-1"));
      producer.send(record("plain", "k2", "committed-2"));
      producer.send(record("registry", "m/0/1", "committed-3"));
      producer.commitTransaction();
      producer.beginTransaction();
      producer.send(record("plain", "k3", "aborted-1"));
      producer.send(record("registry", "m/0/2", "aborted-2"));
      producer.flush();
      producer.abortTransaction();
    }
    assertThat(values("plain")).containsExactly("committed-1", "committed-2");
    assertThat(values("registry")).containsExactly("committed-3");
  }

  @Test
  @Order(3)
  void kcatReadsTheTopicAsAnIndependentClient() throws Exception {
    assumeTrue(onPath("kcat"), "kcat is not installed; the Java consumer check stands alone");
    Process kcat =
        new ProcessBuilder(
                "kcat",
                "-C",
                "-b",
                broker.bootstrapServers(),
                "-t",
                "plain",
                "-e",
                "-q",
                "-X",
                "isolation.level=read_committed",
                "-f",
                "%k=%s\\n")
            .redirectErrorStream(true)
            .start();
    assertThat(kcat.waitFor(30, TimeUnit.SECONDS)).as("kcat finished").isTrue();
    String out = new String(kcat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(kcat.exitValue()).as(out).isZero();
    assertThat(out.lines().toList()).containsExactly("k1=committed-1", "k2=committed-2");
  }

  @Test
  @Order(4)
  void closeStopsTheProcessAndFreesThePort() throws Exception {
    long pid = broker.pid();
    int port = broker.port();
    long t0 = System.nanoTime();
    broker.close();
    System.out.println(
        "embedded Kafka broker closed in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(BrokerConfig.isFree(port)).as("port %d free", port).isTrue();
    assertThat(dir).doesNotExist();
    broker.close(); // idempotent
  }

  private static ProducerRecord<byte[], byte[]> record(String topic, String key, String value) {
    return new ProducerRecord<>(
        topic, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
  }

  private static List<String> values(String topic) {
    List<String> out = new ArrayList<>();
    for (var r : TopicReader.readAll(broker.clientProps(), topic, Duration.ofSeconds(20))) {
      out.add(new String(r.value(), StandardCharsets.UTF_8));
    }
    return out;
  }

  private static String cleanupPolicy(Admin admin, String topic) throws Exception {
    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    ConfigEntry e = admin.describeConfigs(Set.of(r)).all().get().get(r).get("cleanup.policy");
    return e.value();
  }

  private static boolean onPath(String program) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
        return true;
      }
    }
    return false;
  }
}
