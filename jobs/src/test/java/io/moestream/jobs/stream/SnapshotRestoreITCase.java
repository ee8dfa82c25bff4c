package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.CliRun;
import io.moestream.jobs.kafka.EmbeddedKafkaBroker;
import io.moestream.jobs.snapshot.SavepointModels;
import io.moestream.moe.data.TextCorpus;
import io.moestream.moe.serve.Manifest;
import io.moestream.moe.serve.MoeModel;
import io.moestream.moe.train.MoeTrainer;
import io.moestream.moe.train.TrainerSnapshots;
import io.moestream.operators.TrainerSettings;
import io.moestream.schemas.ExpertLifecycleEvent;
import io.moestream.schemas.TokenSequence;
import io.moestream.schemas.TrainingSummary;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Savepoints as model snapshots, end to end on a real broker and MiniCluster: train two models at
 * parallelism 2, take a savepoint and stop, export it (and the retained checkpoint), load the
 * export for inference, check it against the registry, and restore the savepoint at parallelism 1
 * and 3.
 *
 * <p>Why the restored digests are exact: after the savepoint each model gets one record of fewer
 * tokens than a batch, so the restored jobs load every model from state (the operator loads a model
 * when its first record arrives) and report it at the end of input without training a step — the
 * comparison involves no floating-point work at all, only state moving between key groups.
 */
class SnapshotRestoreITCase {
  static {
    System.setProperty("org.apache.avro.SERIALIZABLE_PACKAGES", "io.moestream.schemas");
  }

  @TempDir Path tmp;

  @Test
  void aSavepointExportsLoadsChecksAgainstTheRegistryAndRestoresAtAnyParallelism()
      throws Exception {
    try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start(tmp.resolve("kafka"))) {
      String servers = kafka.bootstrapServers();
      StreamFixtures.createTopics(servers);
      TrainerSettings st = StreamFixtures.settings();
      produce(servers, StreamFixtures.twoModels().values());
      long steps = 66L * 120 / st.tokensPerStep(); // 60: no tokens left pending

      // 1. Train at parallelism 2 until both models took every step, then stop with a savepoint.
      String savepoint = trainAndStop(servers, st, steps);

      // 2. Export every model, with the trainer state; and one from the retained checkpoint.
      Path out = tmp.resolve("export");
      CliRun export = CliRun.export(savepoint, out, "--with-trainer-state");
      assertThat(export.exit()).as(export.err()).isZero();
      Map<String, String> exported = fields(export.out(), "exported ");
      CliRun unknown =
          CliRun.of(
              "snapshot",
              "export",
              "--savepoint",
              savepoint,
              "--model",
              "gamma",
              "--out",
              out.toString());
      assertThat(unknown.exit()).isEqualTo(2);
      assertThat(unknown.err())
          .isEqualTo("error: model gamma is not in " + savepoint + " (it holds: alpha, beta)\n");
      assertThat(exported).containsOnlyKeys("alpha", "beta");

      Path checkpoint =
          RetainedCheckpoints.latest(tmp.resolve("flink").resolve("checkpoints")).orElseThrow();
      CliRun fromCheckpoint =
          CliRun.of(
              "snapshot",
              "export",
              "--savepoint",
              checkpoint.toUri().toString(),
              "--model",
              "beta",
              "--out",
              tmp.resolve("from-checkpoint").toString());
      assertThat(fromCheckpoint.exit()).as(fromCheckpoint.err()).isZero();
      assertThat(fields(fromCheckpoint.out(), "exported "))
          .as("the retained (incremental RocksDB) checkpoint holds the same final model")
          .containsOnlyKeys("beta")
          .containsEntry(
              "beta",
              exported
                  .get("beta")
                  .replace(out.toString(), tmp.resolve("from-checkpoint").toString()));

      CliRun list = CliRun.of("snapshot", "list", "--savepoint", savepoint);
      assertThat(list.exit()).as(list.err()).isZero();
      assertThat(list.out()).contains("alpha step=" + steps + " tokens=" + 66L * 120 + " digest=");
      assertThat(fields(list.out(), ""))
          .as("list shows what export writes")
          .containsOnlyKeys("alpha", "beta")
          .hasEntrySatisfying(
              "alpha",
              l ->
                  assertThat(exported.get("alpha"))
                      .contains(l.substring(l.indexOf(" digest="), l.indexOf(" active="))));

      // 3. The loaded model computes exactly what the model in the savepoint computes.
      Map<String, SavepointModels.StoredModel> stored =
          SavepointModels.read(Path.of(savepoint), Set.of(), tmp.resolve("spa")).models();
      for (String id : List.of("alpha", "beta")) {
        Path dir = out.resolve(id);
        try (MoeTrainer live = TrainerSnapshots.restore(stored.get(id).source(), null);
            MoeModel loaded = MoeModel.load(dir)) {
          Manifest m = loaded.manifest();
          assertThat(m.step()).isEqualTo(steps);
          assertThat(m.digest()).isEqualTo(live.digest());
          assertThat(exported.get(id)).contains("digest=" + live.digest());
          assertThat(m.tokens()).isEqualTo(66L * 120);
          assertThat(m.source()).isEqualTo(Path.of(savepoint).toAbsolutePath().toString());
          for (int i = 0; i < 3; i++) {
            int[][] batch = heldOut(i);
            assertThat(loaded.loss(batch))
                .as("%s batch %d", id, i)
                .isEqualTo(live.evaluate(batch).loss());
          }
        }
      }
      CliRun infer =
          CliRun.of(
              "infer", "--snapshot", out.resolve("alpha").toString(), "--text", "public void x()");
      assertThat(infer.exit()).as(infer.err()).isZero();
      assertThat(infer.out()).contains("model alpha step " + steps).contains("perplexity");
      assertThat(
              infer.out().lines().filter(l -> l.matches("\\s+\\d+ .*L0 k=[1-8] .*L1 k=[1-8] .*")))
          .hasSize("public void x()".length() - 1);

      // 4. The registry replay agrees with the manifests; a manifest that disagrees is caught.
      List<ExpertLifecycleEvent> events =
          Topics.readCommitted(servers, "moe.registry", ExpertLifecycleEvent.getDecoder()::decode);
      assertThat(events).as("the drift makes the experts change").isNotEmpty();
      CliRun check =
          CliRun.of(
              "registry", "check", "--snapshot", out.toString(), "--bootstrap-servers", servers);
      assertThat(check.exit()).as(check.out() + check.err()).isZero();
      assertThat(check.out()).contains("registry agrees with 2 model(s)");
      CliRun materialize =
          CliRun.of(
              "registry", "materialize", "--bootstrap-servers", servers, "--initial-experts", "2");
      assertThat(materialize.exit()).as(materialize.err()).isZero();
      assertThat(materialize.err()).doesNotContain("warning");
      Manifest alpha = Manifest.read(out.resolve("alpha"));
      assertThat(materialize.out())
          .contains("model alpha")
          .contains("layer 0: active " + alpha.activeSlots().get(0))
          .contains("SPAWNED");
      Path tampered = tmp.resolve("tampered");
      writeWithSlots(alpha, tampered);
      CliRun differs =
          CliRun.of(
              "registry",
              "check",
              "--snapshot",
              tampered.toString(),
              "--bootstrap-servers",
              servers);
      assertThat(differs.exit()).isEqualTo(1);
      assertThat(differs.out()).contains("DIFFERENT alpha layer 1");

      // 5. Restore at parallelism 1 and 3: every model comes back bit for bit.
      assertThat(
              List.of("alpha", "beta").stream()
                  .anyMatch(
                      id -> subtask(id, 2) != subtask(id, 1) || subtask(id, 2) != subtask(id, 3)))
          .as("at least one model changes subtask, so state really moves")
          .isTrue();
      List<TokenSequence> extra = new ArrayList<>();
      for (String id : List.of("alpha", "beta")) {
        extra.add(StreamFixtures.drift(id, 66, 300_000).get(0)); // fewer tokens than a batch
      }
      produce(servers, List.of(extra));
      for (int parallelism : new int[] {1, 3}) {
        Map<String, String> models = restoreByCli(servers, parallelism, savepoint);
        assertThat(models).containsOnlyKeys("alpha", "beta");
        for (String id : List.of("alpha", "beta")) {
          Manifest m = Manifest.read(out.resolve(id));
          assertThat(models.get(id))
              .as("%s restored at parallelism %d", id, parallelism)
              .startsWith(id + "=" + m.digest() + "@" + steps + " tokens=" + 66L * 121 + "/")
              .endsWith(
                  " active="
                      + String.join(
                          "|",
                          m.activeSlots().stream()
                              .map(l -> String.join(",", l.stream().map(String::valueOf).toList()))
                              .toList()));
        }
      }
    }
  }

  /**
   * Trains at parallelism 2 until both models took {@code steps} steps, takes a savepoint and
   * cancels the job.
   */
  private String trainAndStop(String servers, TrainerSettings st, long steps) throws Exception {
    MoeStreamingJob job = StreamFixtures.job(servers, st, false);
    FlinkSettings flink =
        new FlinkSettings(tmp.resolve("flink"), 2, Duration.ofSeconds(2), 0, null);
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(flink.toConfiguration());
    job.build(env);
    JobClient client = env.executeAsync(MoeStreamingJob.NAME);
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (true) {
      Set<String> done = new HashSet<>();
      for (TrainingSummary s :
          Topics.readCommitted(servers, "moe.metrics", TrainingSummary.getDecoder()::decode)) {
        if (s.getStep() >= steps) {
          done.add(s.getModelId());
        }
      }
      if (done.containsAll(List.of("alpha", "beta"))) {
        break;
      }
      assertThat(client.getJobStatus().get().isGloballyTerminalState()).as("job ended").isFalse();
      assertThat(System.nanoTime()).as("trained in time").isLessThan(deadline);
      Thread.sleep(1000);
    }
    String location =
        client
            .triggerSavepoint(
                flink.savepointDir().toUri().toString(), SavepointFormatType.CANONICAL)
            .get(2, TimeUnit.MINUTES);
    // Cancelled, not stopped: a finished job deletes its checkpoints, a cancelled one retains
    // them (RETAIN_ON_CANCELLATION), so the export of a retained checkpoint is tested too. The
    // input is exhausted, so no record arrives between the savepoint and the cancellation.
    client.cancel().get(1, TimeUnit.MINUTES);
    try {
      client.getJobExecutionResult().get(1, TimeUnit.MINUTES);
    } catch (java.util.concurrent.ExecutionException cancelled) {
      // the expected end of a cancelled job
    }
    return location.startsWith("file:") ? Path.of(URI.create(location)).toString() : location;
  }

  /**
   * {@code train --bounded --from-savepoint} at {@code parallelism}: each model gets one record of
   * fewer tokens than a batch, so it is loaded from state, trains no step, and is reported at the
   * end of input with its digest.
   */
  private Map<String, String> restoreByCli(String servers, int parallelism, String savepoint)
      throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--bootstrap-servers",
                servers,
                "--bounded",
                "--from-savepoint",
                savepoint,
                "--parallelism",
                Integer.toString(parallelism),
                "--checkpoint-interval",
                "2",
                "--work-dir",
                tmp.resolve("restore-" + parallelism).toString()));
    args.addAll(
        List.of(
            "--d",
            "32",
            "--layers",
            "2",
            "--heads",
            "2",
            "--ctx",
            "32",
            "--ff",
            "64",
            "--experts",
            "2",
            "--emax",
            "8",
            "--batch",
            "4",
            "--seed",
            "9",
            "--window-start",
            "4",
            "--window-length",
            "4",
            "--window-period",
            "8",
            // the savepoint's job was built with the library's rules (StreamFixtures.settings()):
            // the official 0/0 gates, not the CLI's evidence-gate defaults
            "--spawn-min-unrouted",
            "0",
            "--prune-max-share",
            "0",
            "--summary-every",
            "5"));
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      CliRun run =
          pool.submit(() -> CliRun.of(args.toArray(String[]::new))).get(3, TimeUnit.MINUTES);
      assertThat(run.exit()).as(run.err()).isZero();
      return fields(run.out(), "model ");
    } finally {
      pool.shutdownNow();
    }
  }

  /** Produces the models' records interleaved, each model's in order. */
  private static void produce(String servers, Collection<List<TokenSequence>> byModel) {
    try (KafkaProducer<byte[], byte[]> producer = StreamFixtures.producer(servers)) {
      int longest = byModel.stream().mapToInt(List::size).max().orElse(0);
      for (int i = 0; i < longest; i++) {
        for (List<TokenSequence> list : byModel) {
          if (i < list.size()) {
            producer.send(StreamFixtures.record(list.get(i)));
          }
        }
      }
      producer.flush();
    }
  }

  /** Windows of German text, a domain the models never saw. */
  private static int[][] heldOut(int i) {
    int[] text = TextCorpus.bundled().domains().get(2).tokens();
    int[][] b = new int[2][];
    for (int r = 0; r < b.length; r++) {
      int start = (i * 2 + r) * 33;
      b[r] = Arrays.copyOfRange(text, start, start + 33);
    }
    return b;
  }

  /** Writes {@code m} with slot 7 of layer 1 flipped, to make the registry disagree. */
  private static void writeWithSlots(Manifest m, Path dir) throws Exception {
    List<List<Integer>> slots = new ArrayList<>();
    for (List<Integer> l : m.activeSlots()) {
      slots.add(new ArrayList<>(l));
    }
    List<Integer> layer1 = slots.get(1);
    if (!layer1.remove(Integer.valueOf(7))) {
      layer1.add(7);
    }
    Files.createDirectories(dir);
    m.withActiveSlots(slots).write(dir);
  }

  /** The subtask that owns {@code modelId} at {@code parallelism} (Flink's key-group rule). */
  private static int subtask(String modelId, int parallelism) {
    return KeyGroupRangeAssignment.assignKeyToParallelOperator(
        modelId, FlinkSettings.MAX_PARALLELISM, parallelism);
  }

  private static Map<String, String> fields(String out, String prefix) {
    Map<String, String> m = new HashMap<>();
    out.lines()
        .filter(l -> l.startsWith(prefix))
        .map(l -> l.substring(prefix.length()))
        .forEach(l -> m.put(l.split("[ =]")[0], l));
    return m;
  }
}
