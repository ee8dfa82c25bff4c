package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.cli.TopicNames;
import io.moestream.jobs.cluster.FlinkProcess;
import io.moestream.jobs.kafka.EmbeddedKafkaBroker;
import io.moestream.schemas.DeadLetter;
import io.moestream.schemas.TokenSequence;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Poison pills on the real broker, read by {@code train --bounded} in its own JVM with a 1 GB heap
 * (as {@code ./moe} runs it, but without the launcher's Avro flags): a 16-byte record whose model
 * id claims 2,147,483,000 bytes, a refused record of just under 1 MB and a 10 MB record on a tokens
 * topic that allows it. Each becomes exactly one dead letter (reason, original length, SHA-256, at
 * most 64 KB of the value), the good records around them are trained, and the job never restarts.
 *
 * <p>The 2 GB claim is refused by {@code AvroLengthCheck} before Avro decodes the record, so this
 * test would pass without Avro's own limits; that the CLI sets those is held by {@code
 * AvroLimitsInstalledTest}.
 */
class PoisonRecordITCase {
  private static final int TOPIC_MAX_BYTES = 16 << 20;
  private static final int KEPT = 64 * 1024;

  @TempDir Path tmp;

  @Test
  void poisonRecordsBecomeOneDeadLetterEachAndTheJobNeverRestarts() throws Exception {
    try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start(tmp.resolve("kafka"))) {
      String servers = kafka.bootstrapServers();
      createTopics(servers);
      List<TokenSequence> good = StreamFixtures.drift("alpha", 66 * 12, 0);
      byte[] template = StreamFixtures.bytes(good.get(0));
      Map<Long, Poison> poison = new HashMap<>();
      try (KafkaProducer<byte[], byte[]> producer = producer(servers)) {
        for (int i = 0; i < good.size(); i++) {
          send(producer, StreamFixtures.bytes(good.get(i)));
          if (i == 3) {
            Poison p = new Poison("OVERSIZE_FIELD", HostileRecords.hugeClaim(template));
            poison.put(send(producer, p.value), p);
          }
          if (i == 8) {
            // Just under the producer's max.request.size (1 MiB): its dead letter, with the
            // record's coordinates and reason added, would be just over it.
            Poison p = new Poison("OVERSIZE_MODEL_ID", HostileRecords.justUnder1Mb(good.get(0)));
            assertThat(p.value.length).isBetween((1 << 20) - 200, (1 << 20) - 1);
            poison.put(send(producer, p.value), p);
          }
          if (i == 15) {
            Poison p =
                new Poison(
                    "OVERSIZE_FIELD",
                    HostileRecords.withModelId(good.get(0), HostileRecords.TEN_MB));
            poison.put(send(producer, p.value), p);
          }
        }
        producer.flush();
      }

      FlinkProcess train = startTrain(servers);
      int exit;
      try {
        exit = train.waitFor(300);
      } finally {
        train.close();
      }
      String log = train.logText();
      assertThat(exit).as(log).isZero();
      // The job's state changes are logged (a positive control), and none is a restart.
      assertThat(log).contains("switched from state CREATED to RUNNING");
      assertThat(log).doesNotContain("to RESTARTING").doesNotContain("OutOfMemoryError");
      assertThat(log)
          .as("the good records around the poison were trained")
          .contains("model alpha=")
          .contains(StreamFixtures.producedTokens(good));

      List<DeadLetter> dead =
          Topics.readCommitted(servers, TopicNames.DLQ, DeadLetter.getDecoder()::decode);
      assertThat(dead).hasSize(poison.size());
      for (DeadLetter d : dead) {
        Poison p = poison.get(d.getSourceOffset());
        assertThat(p).as("dead letter of offset %s", d.getSourceOffset()).isNotNull();
        assertThat(d.getReasonCode().name()).as(d.getReason()).isEqualTo(p.reason);
        assertThat(d.getRawValueLength()).isEqualTo(p.value.length);
        assertThat(bytes(d.getRawValueSha256())).isEqualTo(sha256(p.value));
        byte[] kept = bytes(d.getRawValue());
        assertThat(kept).isEqualTo(Arrays.copyOf(p.value, Math.min(p.value.length, KEPT)));
      }
    }
  }

  private record Poison(String reason, byte[] value) {}

  private static void createTopics(String servers) throws Exception {
    TopicNames t = TopicNames.defaults();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(t.tokens(), 1, (short) 1)
                      .configs(Map.of("max.message.bytes", Integer.toString(TOPIC_MAX_BYTES))),
                  new NewTopic(t.dlq(), 1, (short) 1),
                  new NewTopic(t.registry(), 1, (short) 1)
                      .configs(Map.of("cleanup.policy", "compact")),
                  new NewTopic(t.metrics(), 1, (short) 1)))
          .all()
          .get();
    }
  }

  private static KafkaProducer<byte[], byte[]> producer(String servers) {
    Properties p = new Properties();
    p.put("bootstrap.servers", servers);
    p.put("enable.idempotence", "true");
    p.put("acks", "all");
    p.put("max.request.size", Integer.toString(TOPIC_MAX_BYTES));
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static long send(KafkaProducer<byte[], byte[]> producer, byte[] value) throws Exception {
    return producer
        .send(
            new ProducerRecord<>(
                TopicNames.TOKENS, "alpha".getBytes(StandardCharsets.UTF_8), value))
        .get()
        .offset();
  }

  /**
   * {@code train --bounded} in a JVM of 1 GB heap with the job's state changes logged; only the
   * flags every JVM of this product needs, none of the Avro limits.
   */
  private FlinkProcess startTrain(String servers) throws Exception {
    List<Path> classpath =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .map(Path::of)
            .toList();
    List<String> jvm = new ArrayList<>(FlinkProcess.JDK17_OPENS);
    jvm.addAll(
        List.of(
            "-Xmx1g",
            "-Dai.djl.offline=true",
            "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.moestream.schemas",
            "-Dorg.slf4j.simpleLogger.log.org.apache.flink.runtime.executiongraph=info"));
    List<String> args =
        List.of(
            StreamFixtures.withSmallModel(
                "train",
                "--bootstrap-servers",
                servers,
                "--work-dir",
                tmp.resolve("work").toString(),
                "--bounded",
                "--parallelism",
                "1",
                "--checkpoint-interval",
                "1",
                "--threads",
                "1"));
    return FlinkProcess.start(
        "train", classpath, jvm, "io.moestream.jobs.MoeCli", args, tmp.resolve("logs"));
  }

  private static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  private static byte[] sha256(byte[] value) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(value);
  }
}
