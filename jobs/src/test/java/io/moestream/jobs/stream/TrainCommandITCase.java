package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.CliRun;
import io.moestream.jobs.kafka.EmbeddedKafkaBroker;
import io.moestream.jobs.kafka.TopicNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} as a user runs it against a real broker, configured from a properties file: a
 * bounded run leaves a final savepoint, and the job restarted from that savepoint — at the same, a
 * lower and a higher parallelism — holds exactly the same models (keys move, models do not).
 */
class TrainCommandITCase {
  static {
    // The clients' INFO config dumps would bury the test output; warnings still show.
    if (System.getProperty("org.slf4j.simpleLogger.log.org.apache.kafka") == null) {
      System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
    }
  }

  @TempDir static Path tmp;
  private static EmbeddedKafkaBroker broker;

  @BeforeAll
  static void start() throws Exception {
    broker = EmbeddedKafkaBroker.start(tmp.resolve("kafka"));
    broker.createTopics(TopicNames.defaults(), 2);
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void aBoundedRunEndsInASavepointThatRestoresIdenticalModelsAtAnyParallelism() throws Exception {
    CliRun produced =
        CliRun.of(
            "produce",
            "--bootstrap-servers",
            broker.bootstrapServers(),
            "--model-id",
            "alpha",
            "beta",
            "gamma",
            "--max-tokens-per-domain",
            "2500",
            "--no-progress");
    assertThat(produced.exit()).as(produced.err()).isZero();

    Path config = tmp.resolve("train.properties");
    Files.writeString(
        config,
        String.join(
            "\n",
            "bootstrap-servers = " + broker.bootstrapServers(),
            "d = 16",
            "ctx = 16",
            "ff = 32",
            "experts = 2",
            "emax = 4",
            "batch = 2",
            "window-start = 10",
            "window-length = 10",
            "window-period = 20",
            "checkpoint-interval = 1",
            "threads = 1",
            ""));
    Path savepoints = tmp.resolve("savepoints");
    CliRun first =
        CliRun.of(
            "train",
            "--config",
            config.toString(),
            "--work-dir",
            tmp.resolve("run-1").toString(),
            "--bounded",
            "--savepoint-dir",
            savepoints.toString());
    assertThat(first.exit()).as(first.err()).isZero();
    List<String> models = modelLines(first);
    assertThat(models).hasSize(3);
    assertThat(models.get(0)).startsWith("model alpha=").contains("@", " tokens=", " active=");
    String savepoint =
        first.out().lines().filter(l -> l.startsWith("savepoint ")).findFirst().orElseThrow();
    String location = savepoint.substring("savepoint ".length());
    Path savepointDir =
        location.startsWith("file:") ? Path.of(java.net.URI.create(location)) : Path.of(location);
    assertThat(savepointDir.resolve("_metadata")).exists();

    for (String parallelism : List.of("2", "1", "3")) {
      CliRun restored =
          CliRun.of(
              "train",
              "--config",
              config.toString(),
              "--work-dir",
              tmp.resolve("restore-" + parallelism).toString(),
              "--parallelism",
              parallelism,
              "--bounded",
              "--from-savepoint",
              savepointDir.toString());
      assertThat(restored.exit()).as(restored.err()).isZero();
      assertThat(modelLines(restored))
          .as("models restored at parallelism %s", parallelism)
          .isEqualTo(models);
    }
  }

  private static List<String> modelLines(CliRun r) {
    return r.out().lines().filter(l -> l.startsWith("model ")).sorted().toList();
  }
}
