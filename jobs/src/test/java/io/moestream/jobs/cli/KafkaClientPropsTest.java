package io.moestream.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Pass-through properties reach every client; secrets never reach a printout. */
class KafkaClientPropsTest {
  private static final String JAAS =
      "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\""
          + " password=\"hunter2\";";

  @Command(name = "t")
  static final class Cmd implements Runnable {
    @Mixin KafkaClientProps kafka;

    @Override
    public void run() {}
  }

  private static KafkaClientProps parse(String... args) {
    Cmd cmd = new Cmd();
    new CommandLine(cmd).parseArgs(args);
    return cmd.kafka;
  }

  @Test
  void passThroughReachesEveryClientAndOursWinForSemantics() {
    KafkaClientProps k =
        parse(
            "--bootstrap-servers", "b1:9093,b2:9093",
            "--kafka-property", "security.protocol=SASL_SSL",
            "--kafka-property", "sasl.jaas.config=" + JAAS,
            "--kafka-property", "acks=1");
    for (Properties p : new Properties[] {k.admin(), k.producer(), k.consumer()}) {
      assertThat(p.getProperty("bootstrap.servers")).isEqualTo("b1:9093,b2:9093");
      assertThat(p.getProperty("security.protocol")).isEqualTo("SASL_SSL");
      assertThat(p.getProperty("sasl.jaas.config")).isEqualTo(JAAS);
    }
    assertThat(k.producer().getProperty("acks")).isEqualTo("all");
    assertThat(k.producer().getProperty("enable.idempotence")).isEqualTo("true");
    assertThat(k.consumer().getProperty("isolation.level")).isEqualTo("read_committed");
  }

  @Test
  void printoutsHideSecrets() {
    KafkaClientProps k =
        KafkaClientProps.of(
            "localhost:9092",
            Map.of(
                "sasl.jaas.config", JAAS,
                "ssl.key.password", "k-pass",
                "ssl.truststore.password", "t-pass",
                "sasl.oauthbearer.client.secret", "s3",
                "security.protocol", "SASL_SSL"));
    String shown = k.toString() + k.redacted();
    assertThat(shown).doesNotContain("hunter2", "k-pass", "t-pass", "s3\"", "=s3");
    assertThat(k.redacted())
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.jaas.config", KafkaClientProps.HIDDEN)
        .containsEntry("ssl.key.password", KafkaClientProps.HIDDEN);
    assertThat(KafkaClientProps.isSecret("SSL.TRUSTSTORE.PASSWORD")).isTrue();
    assertThat(KafkaClientProps.isSecret("ssl.truststore.location")).isFalse();
  }

  @Test
  void rejectsBootstrapAsAPropertyAndBlankServers() {
    assertThatThrownBy(() -> parse("--kafka-property", "bootstrap.servers=x:1").common())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--bootstrap-servers");
    assertThatThrownBy(() -> KafkaClientProps.of(" ", Map.of()).producer())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void defaultsToLocalhost() {
    assertThat(parse().bootstrapServers()).isEqualTo("localhost:9092");
  }

  @Test
  void aKafkaConfigFileReachesEveryClientAndPropertiesWinOverIt(@TempDir Path tmp)
      throws Exception {
    Path file = tmp.resolve("client.properties");
    Files.writeString(
        file, "security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nsasl.jaas.config=" + JAAS + "\n");
    KafkaClientProps k =
        parse(
            "--kafka-config", file.toString(), "--kafka-property", "sasl.mechanism=SCRAM-SHA-512");
    for (Properties p : List.of(k.producer(), k.consumer(), k.admin())) {
      assertThat(p.getProperty("security.protocol")).isEqualTo("SASL_SSL");
      assertThat(p.getProperty("sasl.jaas.config")).isEqualTo(JAAS);
      assertThat(p.getProperty("sasl.mechanism")).isEqualTo("SCRAM-SHA-512");
    }
    assertThat(k.toString()).doesNotContain("hunter2").contains("sasl.mechanism");
    assertThat(k.redacted()).containsEntry("sasl.jaas.config", KafkaClientProps.HIDDEN);
    assertThat(k.values()).contains(JAAS, "SASL_SSL");
  }

  @Test
  void kafkaConfigErrorsNameTheFileButNoValue(@TempDir Path tmp) throws Exception {
    assertThatThrownBy(() -> parse("--kafka-config", tmp.resolve("nope").toString()).common())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--kafka-config")
        .hasMessageContaining("no such file");
    Path bad = tmp.resolve("bad.properties");
    Files.writeString(bad, "ssl.key.password=\\uZZZZhunter2\n");
    assertThatThrownBy(() -> parse("--kafka-config", bad.toString()).common())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--kafka-config")
        .hasMessageNotContaining("hunter2");
    Path bootstrap = tmp.resolve("bootstrap.properties");
    Files.writeString(bootstrap, "bootstrap.servers=x:1\n");
    assertThatThrownBy(() -> parse("--kafka-config", bootstrap.toString()).common())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--bootstrap-servers");
  }
}
