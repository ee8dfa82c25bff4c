package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.CliRun;
import io.moestream.jobs.cli.TopicNames;
import io.moestream.jobs.cluster.FlinkProcess;
import io.moestream.jobs.kafka.EmbeddedKafkaBroker;
import io.moestream.jobs.snapshot.SavepointModels;
import io.moestream.schemas.TokenSequence;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole {@code train} process killed with SIGKILL in the middle of the stream (no shutdown
 * hook, open Kafka transactions left behind) and restarted with {@code train --resume --bounded}:
 * the models equal those of one undisturbed {@code train --bounded} over the same records, bit for
 * bit, and the registry topic (read_committed) holds exactly that run's lifecycle events, once
 * each. The resume started from the newest retained checkpoint and that checkpoint held both models
 * with steps above zero (read back with the State Processor API); a plain {@code train} in the same
 * work directory, {@code --resume} forgotten, is refused in one line.
 *
 * <p>Every run starts its models upcycled ({@code init-from} in the config file, a dense {@code
 * train-local --export} of the same shape; issue 16 point 3): the killed run's trainer built both
 * models from it, and the resume — the same command line plus {@code --resume} — warns that the
 * restored state wins and restores the trained models instead of upcycling them again, which would
 * end at other models than the undisturbed run's.
 */
class KilledProcessResumeITCase {
  @TempDir Path tmp;

  @Test
  void aKilledTrainProcessResumesToTheModelsOfAnUndisturbedRun() throws Exception {
    try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start(tmp.resolve("kafka"))) {
      String servers = kafka.bootstrapServers();
      kafka.createTopics(TopicNames.defaults(), 2);
      TopicNames reference = new TopicNames("tokens", "r.dlq", "r.registry", "r.metrics");
      kafka.createTopics(Map.of("r.dlq", 1, "r.metrics", 1), false);
      kafka.createTopics(Map.of("r.registry", 2), true);
      Path dense = tmp.resolve("dense");
      CliRun warm =
          CliRun.of(
              "train-local",
              "--router",
              "dense",
              "--d",
              "32",
              "--ctx",
              "32",
              "--ff",
              "64",
              "--steps",
              "3",
              "--max-tokens-per-domain",
              "2000",
              "--no-progress",
              "--device",
              "cpu",
              "--export",
              dense.toString());
      assertThat(warm.exit()).as(warm.err()).isZero();
      Path config =
          StreamFixtures.smallTrainConfig(
              tmp.resolve("train.properties"), servers, "init-from = " + dense);
      Map<String, List<TokenSequence>> byModel = StreamFixtures.twoModels();
      produce(servers, byModel, 0, 30);

      Path workDir = tmp.resolve("killed");
      try (FlinkProcess train = startTrain(config, workDir)) {
        awaitCheckpoint(train, workDir.resolve("checkpoints"), 2);
        assertThat(train.logText())
            .as("the trainer built both models upcycled")
            .contains("model alpha upcycled from " + dense, "model beta upcycled from " + dense);
        produce(servers, byModel, 30, Integer.MAX_VALUE);
        train.kill(); // SIGKILL right after the rest arrived: mid-stream
        assertThat(train.isAlive()).isFalse();
      }
      assertThat(committedBelowEnd(servers))
          .as("the kill came before the input was consumed")
          .isTrue();

      Path newest = newestCheckpoint(workDir.resolve("checkpoints"));
      CliRun forgotResume =
          CliRun.of(
              "train",
              "--config",
              config.toString(),
              "--work-dir",
              workDir.toString(),
              "--bounded");
      assertThat(forgotResume.exit()).as(forgotResume.err()).isEqualTo(2);
      assertThat(forgotResume.err())
          .startsWith("error: ")
          .contains("holds checkpoints of an earlier run", newest.toString(), "--resume");
      assertThat(forgotResume.err().lines()).hasSize(1);

      CliRun resumed =
          CliRun.of(
              "train",
              "--config",
              config.toString(),
              "--work-dir",
              workDir.toString(),
              "--resume",
              "--bounded");
      assertThat(resumed.exit()).as(resumed.err()).isZero();
      assertThat(resumed.err().lines()).as("one warning line").hasSize(1);
      assertThat(resumed.err())
          .startsWith("warning: --init-from applies only to models without state: those in ")
          .contains(newest.toString(), " keep their trained parameters");
      assertResumedFromModels(resumed, newest);
      CliRun undisturbed =
          CliRun.of(
              "train",
              "--config",
              config.toString(),
              "--work-dir",
              tmp.resolve("undisturbed").toString(),
              "--bounded",
              "--registry-topic",
              reference.registry(),
              "--metrics-topic",
              reference.metrics(),
              "--dlq-topic",
              reference.dlq());
      assertThat(undisturbed.exit()).as(undisturbed.err()).isZero();
      assertThat(undisturbed.out()).contains("init: upcycled from " + dense.toAbsolutePath());
      assertThat(undisturbed.err()).doesNotContain("warning");

      List<String> models = modelLines(undisturbed);
      assertThat(models).hasSize(2);
      assertThat(modelLines(resumed)).isEqualTo(models);
      for (String line : models) {
        String model = line.substring("model ".length(), line.indexOf('='));
        assertThat(line).contains(StreamFixtures.producedTokens(byModel.get(model)));
      }
      List<String> events = Topics.eventIds(servers, TopicNames.REGISTRY);
      assertThat(events).isNotEmpty().doesNotHaveDuplicates();
      assertThat(events)
          .containsExactlyInAnyOrderElementsOf(Topics.eventIds(servers, reference.registry()));
    }
  }

  /**
   * {@code --resume} started from the newest retained checkpoint (the one the killed process
   * completed last), and that checkpoint held both models, trained: read back independently with
   * the State Processor API, each has a step count above zero; the CLI reported alpha's.
   */
  private void assertResumedFromModels(CliRun resumed, Path newest) throws Exception {
    SavepointModels.Contents held = SavepointModels.read(newest, Set.of(), tmp.resolve("read"));
    assertThat(held.models()).containsOnlyKeys("alpha", "beta");
    for (SavepointModels.StoredModel m : held.models().values()) {
      assertThat(m.cursor().steps()).as("%s trained before the kill", m.modelId()).isPositive();
      assertThat(m.chunks()).containsKeys("meta", "shared");
    }
    assertThat(resumed.out().lines())
        .as("--resume names the checkpoint it starts from, its models and the step of the one read")
        .contains(
            "restore from "
                + newest
                + ": 2 model(s) alpha beta; settings match (alpha at step "
                + held.models().get("alpha").cursor().steps()
                + ")");
  }

  /** {@code train} (unbounded) in its own JVM, as a user would start it. */
  private FlinkProcess startTrain(Path config, Path workDir) throws Exception {
    return FlinkProcess.startCli(
        "train",
        List.of("train", "--config", config.toString(), "--work-dir", workDir.toString()),
        tmp.resolve("logs"),
        // the trainer's info lines (the CLI's default level is warn): which models it upcycled
        List.of("-Dorg.slf4j.simpleLogger.log.io.moestream.operators.KeyedModelStore=info"));
  }

  /** The highest-numbered complete checkpoint the killed process left (its only job). */
  private static Path newestCheckpoint(Path dir) throws Exception {
    try (Stream<Path> files = Files.walk(dir, 3)) {
      return files
          .filter(p -> p.getFileName().toString().equals("_metadata"))
          .map(Path::getParent)
          .filter(p -> p.getFileName().toString().startsWith("chk-"))
          .max(
              java.util.Comparator.comparingInt(
                  p -> Integer.parseInt(p.getFileName().toString().substring(4))))
          .orElseThrow();
    }
  }

  /** Waits for a completed checkpoint numbered at least {@code n}. */
  private static void awaitCheckpoint(FlinkProcess train, Path dir, int n) throws Exception {
    long deadline = System.nanoTime() + 240_000_000_000L;
    while (System.nanoTime() < deadline) {
      assertThat(train.isAlive()).as("train died:\n%s", train.logText()).isTrue();
      if (Files.isDirectory(dir)) {
        try (Stream<Path> files = Files.walk(dir, 3)) {
          boolean done =
              files
                  .filter(p -> p.getFileName().toString().equals("_metadata"))
                  .map(p -> p.getParent().getFileName().toString())
                  .filter(c -> c.startsWith("chk-"))
                  .anyMatch(c -> Integer.parseInt(c.substring(4)) >= n);
          if (done) {
            return;
          }
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no checkpoint " + n + " within 240 s:\n" + train.logText());
  }

  /** Records {@code [from, to)} of each model, interleaved, on the tokens topic. */
  private static void produce(
      String servers, Map<String, List<TokenSequence>> byModel, int from, int to) {
    List<TokenSequence> records = StreamFixtures.interleaved(byModel);
    try (KafkaProducer<byte[], byte[]> producer = StreamFixtures.producer(servers)) {
      for (TokenSequence r : records) {
        if (r.getSequenceId() >= from && r.getSequenceId() < to) {
          producer.send(StreamFixtures.record(r));
        }
      }
      producer.flush();
    }
  }

  /** Whether the trainer's committed offsets (its last checkpoint) are short of the end. */
  private static boolean committedBelowEnd(String servers) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers))) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin
              .listConsumerGroupOffsets(TrainCommand.GROUP_ID)
              .partitionsToOffsetAndMetadata()
              .get();
      Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
      for (int p = 0; p < 2; p++) {
        latest.put(new TopicPartition(TopicNames.TOKENS, p), OffsetSpec.latest());
      }
      ListOffsetsResult ends = admin.listOffsets(latest);
      long behind = 0;
      for (TopicPartition tp : latest.keySet()) {
        OffsetAndMetadata c = committed.get(tp);
        behind += ends.partitionResult(tp).get().offset() - (c == null ? 0 : c.offset());
      }
      return behind > 0;
    }
  }

  private static List<String> modelLines(CliRun r) {
    return r.out().lines().filter(l -> l.startsWith("model ")).sorted().toList();
  }
}
