package io.moestream.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/** The Kafka client timeouts derived from a command's --timeout, and that Kafka accepts them. */
class KafkaTimeoutsTest {
  static {
    // the clients' INFO config dumps would bury the test output
    if (System.getProperty("org.slf4j.simpleLogger.log.org.apache.kafka") == null) {
      System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
    }
  }

  @Test
  void everyWaitOfEveryClientIsBoundedByTheTimeout() {
    Map<String, String> s = KafkaTimeouts.settings(Duration.ofSeconds(3));
    assertThat(s)
        .containsEntry("default.api.timeout.ms", "3000")
        .containsEntry("max.block.ms", "3000")
        .containsEntry("request.timeout.ms", "3000")
        .containsEntry("socket.connection.setup.timeout.ms", "3000")
        .containsEntry("socket.connection.setup.timeout.max.ms", "3000");
  }

  @Test
  void aLongTimeoutNeverRaisesARequestOrAConnectionAttemptAboveKafkasDefaults() {
    Map<String, String> s = KafkaTimeouts.settings(Duration.ofSeconds(120));
    assertThat(s)
        .containsEntry("default.api.timeout.ms", "120000")
        .containsEntry("max.block.ms", "120000")
        .containsEntry("request.timeout.ms", "30000")
        .containsEntry("socket.connection.setup.timeout.ms", "10000")
        .containsEntry("socket.connection.setup.timeout.max.ms", "30000");
    assertThatThrownBy(() -> KafkaTimeouts.settings(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void explicitClientSettingsWinOverTheDerivedOnes() {
    KafkaClientProps k =
        KafkaClientProps.of("h:1", Map.of("request.timeout.ms", "45000"))
            .within(Duration.ofSeconds(5));
    Properties c = k.consumer();
    assertThat(c.getProperty("request.timeout.ms")).isEqualTo("45000");
    assertThat(c.getProperty("default.api.timeout.ms")).isEqualTo("5000");
    assertThat(c.getProperty("bootstrap.servers")).isEqualTo("h:1");
    // the original is unchanged: the job's own clients keep Kafka's patience
    assertThat(KafkaClientProps.of("h:1", Map.of()).consumer()).doesNotContainKey("max.block.ms");
  }

  @Test
  void kafkasClientsAcceptTheDerivedSettings() {
    // Construction validates every setting and does not connect, so no broker is needed.
    KafkaClientProps k = KafkaClientProps.of("127.0.0.1:1", Map.of()).within(Duration.ofSeconds(1));
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(k.consumer())) {
      assertThat(c).isNotNull();
    }
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(k.producer())) {
      assertThat(p).isNotNull();
    }
    try (Admin a = Admin.create(k.admin())) {
      assertThat(a).isNotNull();
    }
  }
}
