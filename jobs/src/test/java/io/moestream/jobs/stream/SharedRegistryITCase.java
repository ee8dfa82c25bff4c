package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.cli.TopicNames;
import io.moestream.jobs.cluster.FlinkProcess;
import io.moestream.jobs.kafka.EmbeddedKafkaBroker;
import io.moestream.schemas.TokenSequence;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code train --bounded} jobs writing the same registry topic at the same time, each on its
 * own token topic and with its default job name: every lifecycle event of both lands exactly once.
 * Jobs sharing a transactional-id prefix fence each other's transactions, and Flink's committer
 * then drops the fenced events ("most likely signals data loss"). The expected events are those of
 * the same two jobs run side by side on registry topics of their own.
 */
class SharedRegistryITCase {
  @TempDir Path tmp;

  @Test
  void twoJobsOnOneRegistryTopicLoseAndDuplicateNoEvent() throws Exception {
    try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start(tmp.resolve("kafka"))) {
      String servers = kafka.bootstrapServers();
      kafka.createTopics(TopicNames.defaults(), 2);
      kafka.createTopics(Map.of("tokens-a", 2, "tokens-b", 2), false);
      kafka.createTopics(Map.of("ref-a.registry", 2, "ref-b.registry", 2), true);
      produce(servers, "tokens-a", StreamFixtures.drift("alpha", 66 * 200, 0));
      produce(servers, "tokens-b", StreamFixtures.drift("beta", 66 * 200, 50_000));
      Path config =
          StreamFixtures.smallTrainConfig(
              tmp.resolve("train.properties"), servers, "summary-every = 2", "parallelism = 1");

      // Reference: each job alone on its own registry topic.
      List<String> reference =
          concurrently(
              train(config, "tokens-a", "ref-a.registry", tmp.resolve("ref-a")),
              train(config, "tokens-b", "ref-b.registry", tmp.resolve("ref-b")));
      List<String> expected = new ArrayList<>();
      expected.addAll(Topics.eventIds(servers, "ref-a.registry"));
      expected.addAll(Topics.eventIds(servers, "ref-b.registry"));
      assertThat(Topics.eventIds(servers, "ref-a.registry")).as("job a's events").isNotEmpty();
      assertThat(Topics.eventIds(servers, "ref-b.registry")).as("job b's events").isNotEmpty();

      // The same two jobs at once on one registry topic, default job names.
      List<String> shared =
          concurrently(
              train(config, "tokens-a", TopicNames.REGISTRY, tmp.resolve("shared-a")),
              train(config, "tokens-b", TopicNames.REGISTRY, tmp.resolve("shared-b")));
      for (int i = 0; i < 2; i++) {
        assertThat(modelLines(reference.get(i))).as("job %d's models", i).hasSize(1);
        assertThat(modelLines(shared.get(i)))
            .as("job %d trained the same models as alone", i)
            .isEqualTo(modelLines(reference.get(i)));
      }
      assertThat(Topics.eventIds(servers, TopicNames.REGISTRY))
          .as("every event of both jobs exactly once on the shared registry topic")
          .containsExactlyInAnyOrderElementsOf(expected);
    }
  }

  private static List<String> train(Path config, String tokens, String registry, Path workDir) {
    return List.of(
        "train",
        "--config",
        config.toString(),
        "--tokens-topic",
        tokens,
        "--registry-topic",
        registry,
        "--work-dir",
        workDir.toString(),
        "--bounded");
  }

  /**
   * Both command lines at the same time, each in its own JVM as two deployments run (in one JVM
   * Flink's Kafka sink notices a duplicate prefix itself), so that their checkpoints, and with them
   * their transactional ids, coincide; each must succeed, and neither may be fenced. Returns what
   * each printed.
   */
  private List<String> concurrently(List<String> first, List<String> second) throws Exception {
    Path logs = tmp.resolve("logs-" + runs++);
    try (FlinkProcess a = train("first", first, logs);
        FlinkProcess b = train("second", second, logs)) {
      int exitA = a.waitFor(600);
      int exitB = b.waitFor(600);
      assertThat(exitA).as("%s: first job's exit code:\n%s", logs, a.logText()).isZero();
      assertThat(exitB).as("%s: second job's exit code:\n%s", logs, b.logText()).isZero();
      for (FlinkProcess p : List.of(a, b)) {
        // A fenced transaction fails the job over (its open events are replayed) or, fenced
        // after its checkpoint, is dropped by the committer: neither may happen.
        assertThat(p.logText())
            .as("%s job was not fenced by the other one", p.name())
            .doesNotContain("ProducerFencedException")
            .doesNotContain("InvalidProducerEpochException")
            .doesNotContain("signals data loss");
      }
      return List.of(a.logText(), b.logText());
    }
  }

  private int runs;

  /** {@code moe train} in its own JVM, a failure printed with its stack trace. */
  private static FlinkProcess train(String name, List<String> args, Path logs) throws Exception {
    List<String> jvm = new ArrayList<>(FlinkProcess.JDK17_OPENS);
    jvm.addAll(
        List.of(
            "-Xmx1g",
            "-Dmoe.debug=true",
            "-Dai.djl.offline=true",
            "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.moestream.schemas"));
    List<Path> classpath =
        Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
            .map(Path::of)
            .toList();
    return FlinkProcess.start(name, classpath, jvm, "io.moestream.jobs.MoeCli", args, logs);
  }

  private static void produce(String servers, String topic, List<TokenSequence> records) {
    try (KafkaProducer<byte[], byte[]> producer = StreamFixtures.producer(servers)) {
      for (TokenSequence r : records) {
        producer.send(StreamFixtures.record(topic, r));
      }
      producer.flush();
    }
  }

  private static List<String> modelLines(String output) {
    return output.lines().filter(l -> l.startsWith("model ")).sorted().toList();
  }
}
