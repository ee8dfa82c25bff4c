package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.CliRun;
import io.moestream.jobs.cli.TopicNames;
import io.moestream.jobs.kafka.ClassBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} as a user runs it against a real broker, configured from a properties file: a
 * bounded run leaves a final savepoint, and the job restarted from that savepoint — at the same, a
 * lower and a higher parallelism — holds exactly the same models (keys move, models do not); a
 * restore with other model flags is refused. One savepoint serves every test.
 */
class TrainCommandITCase {
  @RegisterExtension static final ClassBroker broker = new ClassBroker(2);
  @TempDir static Path tmp;

  @Test
  void aBoundedRunEndsInASavepointThatRestoresIdenticalModelsAtAnyParallelism() throws Exception {
    Savepoint first = savepoint();
    assertThat(first.models()).hasSize(3);
    assertThat(first.models().get(0))
        .startsWith("model alpha=")
        .contains("@", " tokens=", " active=");
    assertThat(first.dir().resolve("_metadata")).exists();

    for (String parallelism : List.of("2", "1", "3")) {
      List<String> flags = new ArrayList<>(List.of("--parallelism", parallelism));
      if (parallelism.equals("3")) {
        // Settings no model stores may change on restore.
        flags.addAll(
            List.of("--threads", "2", "--summary-every", "7", "--checkpoint-interval", "2"));
      }
      CliRun restored =
          restore(tmp.resolve("restore-" + parallelism), first.dir(), flags.toArray(String[]::new));
      assertThat(restored.exit()).as(restored.err()).isZero();
      assertThat(restored.out())
          .as("the state it restores from, with the models' steps")
          .containsPattern(
              "restore from "
                  + java.util.regex.Pattern.quote(first.dir().toString())
                  + ": 3 model\\(s\\) alpha beta gamma; settings match \\(alpha at step"
                  + " [1-9][0-9]*\\)\\n");
      assertThat(modelLines(restored))
          .as("models restored at parallelism %s", parallelism)
          .isEqualTo(first.models());
    }
  }

  /**
   * The savepoint's models were trained with d=16, ctx=16 and DynMoE: a restore with another width,
   * router or context is refused before the job starts — one line naming each differing setting
   * with both values — instead of training the old models under the new settings (or failing on the
   * first step, again after every restart, for a longer context).
   */
  @Test
  void aRestoreWithOtherModelFlagsIsRefusedInOneLineNamingTheFields() throws Exception {
    Path savepoint = savepoint().dir();
    assertRefused(restoreWith(savepoint, "--d", "32"), "trained with d=16; this run has d=32 (");
    assertRefused(
        restoreWith(savepoint, "--router", "top-k"),
        "trained with router=dynmoe, emax=4, top-k=1; this run has router=top-k, emax=2, top-k=2 (");
    assertRefused(
        restoreWith(savepoint, "--ctx", "32", "--lr", "1e-4"),
        "trained with ctx=16, lr=0.003; this run has ctx=32, lr=1.0E-4 (");
    // The check copies one model's entries out of the savepoint; none of that stays behind.
    assertThat(tmp.resolve("refused").resolve("tmp")).isEmptyDirectory();
  }

  /**
   * The same savepoint restored by a job submitted without the CLI ({@code flink run} with other
   * flags): the trainer refuses the models of other settings when it opens, and the job fails once
   * with a non-recoverable error naming them — no restart loop, nothing reshaped.
   */
  @Test
  void aJobSubmittedWithoutTheCliFailsOnceOnModelsOfOtherSettings() throws Exception {
    Path savepoint = savepoint().dir();
    FlinkSettings flink =
        new FlinkSettings(
            tmp.resolve("bypass"), 1, java.time.Duration.ofSeconds(1), 0, savepoint.toString());
    var env =
        org.apache.flink.streaming.api.environment.StreamExecutionEnvironment
            .getExecutionEnvironment(flink.toConfiguration());
    // d=32, ctx=32: on the savepoint's d=16, ctx=16 models the first step would fail, and again
    // after every restart.
    StreamFixtures.job(
            broker.bootstrapServers(),
            StreamFixtures.settings(),
            false,
            TopicNames.defaults(),
            "bypass")
        .build(env);
    var client = env.executeAsync(MoeStreamingJob.NAME);
    // With a bound, so a job that silently trains the old models (it gets no new input) cannot
    // hang the test; the refusal comes as soon as the trainer opens.
    Throwable failure =
        org.assertj.core.api.Assertions.catchThrowable(
            () -> client.getJobExecutionResult().get(3, java.util.concurrent.TimeUnit.MINUTES));
    if (!client.getJobExecutionResult().isDone()) {
      client.cancel().get();
    }
    assertThat(failure).as("the job failed").isNotNull();
    assertThat(
            org.apache.flink.util.ExceptionUtils.findThrowable(
                failure, org.apache.flink.runtime.execution.SuppressRestartsException.class))
        .as("a failure Flink does not restart from")
        .isPresent();
    assertThat(org.apache.flink.util.ExceptionUtils.stringifyException(failure))
        .contains("in the restored state was trained with", "d=16", "ctx=16", "d=32", "ctx=32");
  }

  private CliRun restoreWith(Path savepoint, String... flags) {
    return restore(tmp.resolve("refused"), savepoint, flags);
  }

  /** {@code train --bounded} from the test's config, restored from {@code savepoint}. */
  private static CliRun restore(Path workDir, Path savepoint, String... flags) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--config",
                config.toString(),
                "--work-dir",
                workDir.toString(),
                "--bounded",
                "--from-savepoint",
                savepoint.toString()));
    args.addAll(List.of(flags));
    return CliRun.of(args.toArray(String[]::new));
  }

  private static void assertRefused(CliRun r, String fields) {
    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
    assertThat(r.err())
        .startsWith("error: the models in ")
        .contains(fields, "may change on restore")
        .doesNotContain("\tat ");
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.out()).as("no job ran").doesNotContain("model ", "restore from");
  }

  /** Three models trained by one bounded run: its savepoint and model lines, made once. */
  private record Savepoint(Path dir, List<String> models) {}

  private static Savepoint savepoint;
  private static Path config;

  private static synchronized Savepoint savepoint() throws Exception {
    if (savepoint != null) {
      return savepoint;
    }
    CliRun produced = CliRun.produce(broker.bootstrapServers(), 2500, "alpha", "beta", "gamma");
    assertThat(produced.exit()).as(produced.err()).isZero();

    config = tmp.resolve("train.properties");
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
    CliRun first =
        CliRun.of(
            "train",
            "--config",
            config.toString(),
            "--work-dir",
            tmp.resolve("run-1").toString(),
            "--bounded",
            "--savepoint-dir",
            tmp.resolve("savepoints").toString());
    assertThat(first.exit()).as(first.err()).isZero();
    String location = first.after("savepoint ");
    Path dir =
        location.startsWith("file:") ? Path.of(java.net.URI.create(location)) : Path.of(location);
    savepoint = new Savepoint(dir, modelLines(first));
    return savepoint;
  }

  private static List<String> modelLines(CliRun r) {
    return r.out().lines().filter(l -> l.startsWith("model ")).sorted().toList();
  }
}
