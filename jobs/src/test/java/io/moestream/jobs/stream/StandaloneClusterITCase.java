package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.CliRun;
import io.moestream.jobs.ClusterMain;
import io.moestream.jobs.cli.TopicNames;
import io.moestream.jobs.cluster.FlinkProcess;
import io.moestream.jobs.cluster.FlinkRest;
import io.moestream.jobs.cluster.LocalFlinkCluster;
import io.moestream.jobs.kafka.EmbeddedKafkaBroker;
import io.moestream.jobs.snapshot.SavepointModels;
import io.moestream.schemas.ExpertLifecycleEvent;
import io.moestream.state.TrainerCursor;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on a real Flink standalone cluster, every part its own process on loopback: a KRaft
 * broker, a JobManager and two TaskManagers (from Maven Central jars, DJL on the cluster class
 * path), the job jar without DJL submitted over REST. One TaskManager is killed with SIGKILL while
 * the job trains; Flink restarts the job from its last checkpoint on the other one. Afterwards the
 * registry topic, read {@code read_committed}, holds every lifecycle event exactly once — the same
 * events as a single-process run of the same records — and every model's digest equals that run's.
 * A second job submitted to the same TaskManagers (restored from the first one's savepoint) trains
 * too: DJL is loaded once per JVM, not once per job.
 */
class StandaloneClusterITCase {
  private static final Path BUILD = Path.of(System.getProperty("moe.build.dir", "target"));
  private static final Path CORPUS = BUILD.resolve("../../data/corpus").normalize();
  private static final String PARALLELISM = System.getProperty("moe.cluster.parallelism", "2");
  private static final List<String> MODELS = List.of("alpha", "beta", "gamma");
  private static final List<String> MODEL_FLAGS =
      List.of(
          "--d",
          "32",
          "--ctx",
          "32",
          "--ff",
          "64",
          "--experts",
          "2",
          "--emax",
          "4",
          "--batch",
          "4",
          "--window-start",
          "10",
          "--window-length",
          "10",
          "--window-period",
          "20",
          "--threads",
          "1");
  private static final Pattern TRAIN_LINE =
      Pattern.compile("^model (\\S+)=(\\S+)@(\\d+) tokens=(\\d+)/([0-9a-f]+)");

  private static final Pattern LIST_LINE = Pattern.compile("^(\\S+) step=(\\d+) .*digest=(\\S+)");

  @TempDir Path tmp;

  @Test
  void aKilledTaskManagerLosesNothingAndASecondJobRunsOnTheSameTaskManagers() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(tmp.resolve("kafka"))) {
      String servers = broker.bootstrapServers();
      broker.createTopics(TopicNames.defaults(), 2);
      TopicNames referenceTopics =
          new TopicNames("tokens", "ref.dlq", "ref.registry", "ref.metrics");
      broker.createTopics(Map.of(referenceTopics.dlq(), 1, referenceTopics.metrics(), 1), false);
      broker.createTopics(Map.of(referenceTopics.registry(), 2), true);
      // The first domain before the job starts, the other three while it runs (below).
      produce(servers, "english-prose.txt");

      LocalFlinkCluster cluster =
          LocalFlinkCluster.start(
              tmp.resolve("flink"),
              List.of(BUILD.resolve("flink-lib"), BUILD.resolve("djl-lib")),
              2,
              Map.of(),
              java.util.stream.Stream.concat(
                      java.util.stream.Stream.of(
                          "-Dai.djl.offline=true",
                          // libtorch's thread pools as in the test JVM the reference run uses.
                          "-Dai.djl.pytorch.num_threads=2",
                          "-Dai.djl.pytorch.num_interop_threads=1",
                          "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.moestream.schemas"),
                      // As docker/flink-conf.yaml: no Avro string or bytes field over 1 MiB.
                      io.moestream.schemas.AvroLimits.jvmOptions().stream())
                  .toList());
      try {
        FlinkRest rest = cluster.rest();
        String jar = rest.uploadJar(BUILD.resolve("moe-pipeline-job.jar"));
        List<String> train = trainArgs(servers, tmp.resolve("work"));
        String job =
            rest.run(jar, ClusterMain.class.getName(), train, Integer.parseInt(PARALLELISM));
        await(
            "first checkpoint", Duration.ofSeconds(180), cluster, () -> completed(rest, job) >= 1);
        produce(servers, "source-code.txt", "german-prose.txt", "french-prose.txt");
        try (EndOfInput input =
            EndOfInput.capture(broker.clientProps().admin(), "tokens", TrainCommand.GROUP_ID)) {
          assertThat(input.consumed())
              .as("the kill must come before the input is consumed")
              .isFalse();
          FlinkProcess victim = busyTaskManager(cluster, rest, job);
          victim.kill();
          assertThat(victim.isAlive()).isFalse();
          await(
              "restore from a checkpoint",
              Duration.ofSeconds(180),
              cluster,
              () -> running(rest, job) && restored(rest, job) >= 1);
          await(
              "input consumed after the restart",
              Duration.ofSeconds(400),
              cluster,
              () -> running(rest, job) && input.consumed());
        }
        String savepoint =
            rest.stopWithSavepoint(job, tmp.resolve("savepoints"), Duration.ofSeconds(120));

        // The same records in one process (embedded Flink), into its own output topics.
        Map<String, String[]> reference = referenceRun(servers, referenceTopics);
        assertThat(reference.keySet()).containsExactlyInAnyOrderElementsOf(MODELS);
        // Exactly-once training input: every model consumed exactly the reference's tokens, in
        // the same order (count and order-sensitive hash), and took the same number of steps.
        assertThat(inputs(savepoint)).isEqualTo(column(reference, 2));
        Map<String, String> digests = savepointDigests(savepoint);
        assertThat(part(digests, 1)).isEqualTo(column(reference, 1));
        // Bit-identical to the uninterrupted single-process run (docs/decisions.md, Determinism).
        assertThat(digests).as("digests after the kill").isEqualTo(column(reference, 0));
        // Exactly-once lifecycle events: exactly the single-process run's event ids, none twice.
        Map<String, List<String>> events = eventIds(servers, TopicNames.REGISTRY);
        Map<String, List<String>> referenceEvents = eventIds(servers, referenceTopics.registry());
        assertThat(events.values().stream().flatMap(List::stream).toList())
            .isNotEmpty()
            .doesNotHaveDuplicates();
        for (String model : MODELS) {
          assertThat(events.get(model))
              .as("registry events of %s", model)
              .containsExactlyInAnyOrderElementsOf(referenceEvents.get(model));
        }

        // A second job on the same TaskManagers: a new user-code class loader where libtorch is
        // already loaded (each trainer subtask asks DJL for the GPU count when it opens).
        List<String> again = new ArrayList<>(train);
        again.addAll(List.of("--from-savepoint", savepoint));
        String second =
            rest.run(jar, ClusterMain.class.getName(), again, Integer.parseInt(PARALLELISM));
        await(
            "second job running",
            Duration.ofSeconds(180),
            cluster,
            () -> rest.allTasksRunning(second));
        long before = completed(rest, second);
        await(
            "second job checkpoints",
            Duration.ofSeconds(180),
            cluster,
            () -> running(rest, second) && completed(rest, second) >= before + 2);
        String last =
            rest.stopWithSavepoint(second, tmp.resolve("savepoints"), Duration.ofSeconds(120));
        assertThat(inputs(last)).isEqualTo(column(reference, 2));
        // Restored without new input: the second job holds exactly the first one's models.
        assertThat(savepointDigests(last)).isEqualTo(savepointDigests(savepoint));
      } finally {
        cluster.close();
      }
      // Torn down: no process of the cluster is left, and its REST port is free again.
      assertThat(cluster.processes()).noneMatch(FlinkProcess::isAlive);
      try (ServerSocket s =
          new ServerSocket(cluster.restPort(), 1, InetAddress.getLoopbackAddress())) {
        assertThat(s.isBound()).isTrue();
      }
    }
  }

  private static void produce(String servers, String... domains) {
    List<String> args =
        new ArrayList<>(List.of("produce", "--bootstrap-servers", servers, "--model-id"));
    args.addAll(MODELS);
    args.add("--corpus");
    for (String d : domains) {
      args.add(CORPUS.resolve(d).toString());
    }
    args.addAll(List.of("--max-tokens-per-domain", "12000", "--no-progress"));
    CliRun run = CliRun.of(args.toArray(String[]::new));
    assertThat(run.exit()).as(run.err()).isZero();
  }

  private List<String> trainArgs(String servers, Path work) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--bootstrap-servers",
                servers,
                "--work-dir",
                work.toAbsolutePath().toString(),
                "--parallelism",
                PARALLELISM,
                "--checkpoint-interval",
                "1"));
    args.addAll(MODEL_FLAGS);
    return args;
  }

  /** Model id → {digest@step, step, "tokens/hash@step"} of a single-process bounded run. */
  private Map<String, String[]> referenceRun(String servers, TopicNames t) {
    List<String> args = trainArgs(servers, tmp.resolve("reference"));
    args.addAll(
        List.of(
            "--bounded",
            "--registry-topic",
            t.registry(),
            "--metrics-topic",
            t.metrics(),
            "--dlq-topic",
            t.dlq()));
    CliRun run = CliRun.of(args.toArray(String[]::new));
    assertThat(run.exit()).as(run.err()).isZero();
    Map<String, String[]> out = new TreeMap<>();
    for (String l : run.out().lines().toList()) {
      Matcher m = TRAIN_LINE.matcher(l);
      if (m.find()) {
        out.put(
            m.group(1),
            new String[] {
              m.group(2) + "@" + m.group(3), m.group(3), m.group(4) + "/" + m.group(5)
            });
      }
    }
    return out;
  }

  private static Map<String, String> column(Map<String, String[]> rows, int i) {
    Map<String, String> out = new TreeMap<>();
    rows.forEach((k, v) -> out.put(k, v[i]));
    return out;
  }

  /** The {@code i}-th part of "digest@step" values (0 digest, 1 step). */
  private static Map<String, String> part(Map<String, String> digests, int i) {
    Map<String, String> out = new TreeMap<>();
    digests.forEach((k, v) -> out.put(k, v.split("@")[i]));
    return out;
  }

  /** Model id → "tokens/hash" from the savepoint's trainer cursors. */
  private Map<String, String> inputs(String savepoint) throws Exception {
    Path read = Files.createTempDirectory(tmp, "read");
    Map<String, String> out = new TreeMap<>();
    for (SavepointModels.StoredModel m :
        SavepointModels.read(Path.of(URI.create(savepoint)), Set.of(), read).models().values()) {
      TrainerCursor c = m.cursor();
      out.put(m.modelId(), c.tokens() + "/" + Long.toHexString(c.tokenHash()));
    }
    return out;
  }

  private static Map<String, String> savepointDigests(String savepoint) {
    return digests(CliRun.of("snapshot", "list", "--savepoint", savepoint), LIST_LINE, 3, 2);
  }

  /** Model id → "digest@step" from a command's output lines matching {@code line}. */
  private static Map<String, String> digests(CliRun run, Pattern line, int digest, int step) {
    assertThat(run.exit()).as(run.err()).isZero();
    Map<String, String> out = new TreeMap<>();
    for (String l : run.out().lines().toList()) {
      Matcher m = line.matcher(l);
      if (m.find()) {
        out.put(m.group(1), m.group(digest) + "@" + m.group(step));
      }
    }
    return out;
  }

  /** Model id → the ids of its lifecycle events on {@code topic}, read {@code read_committed}. */
  private static Map<String, List<String>> eventIds(String servers, String topic) throws Exception {
    Map<String, List<String>> out = new TreeMap<>();
    for (ExpertLifecycleEvent e :
        Topics.readCommitted(servers, topic, ExpertLifecycleEvent.getDecoder()::decode)) {
      out.computeIfAbsent(String.valueOf(e.getModelId()), k -> new ArrayList<>())
          .add(String.valueOf(e.getEventId()));
    }
    return out;
  }

  /** A TaskManager that runs a subtask of the job (the kill must hit the job). */
  private static FlinkProcess busyTaskManager(LocalFlinkCluster cluster, FlinkRest rest, String job)
      throws Exception {
    String vertex = rest.get("/jobs/" + job).path("vertices").get(0).path("id").asText();
    String busy =
        rest.get("/jobs/" + job + "/vertices/" + vertex + "/taskmanagers")
            .path("taskmanagers")
            .get(0)
            .path("taskmanager-id")
            .asText();
    return cluster.taskManagers().stream()
        .filter(tm -> tm.name().equals(busy))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no TaskManager process named " + busy));
  }

  /** False while restarting; an ended job (restarts exhausted, failed) fails the test at once. */
  private static boolean running(FlinkRest rest, String job) throws Exception {
    String state = rest.jobState(job);
    if (List.of("FAILED", "CANCELED", "FINISHED").contains(state)) {
      throw new AssertionError(
          "job " + state + ": " + rest.get("/jobs/" + job + "/exceptions").toString());
    }
    return "RUNNING".equals(state);
  }

  private static long completed(FlinkRest rest, String job) throws Exception {
    return rest.checkpointCounts(job).path("completed").asLong();
  }

  private static long restored(FlinkRest rest, String job) throws Exception {
    return rest.checkpointCounts(job).path("restored").asLong();
  }

  interface Condition {
    boolean holds() throws Exception;
  }

  /**
   * Polls {@code condition}; fails with the JobManager's log tail when it does not hold in time.
   */
  private static void await(
      String what, Duration timeout, LocalFlinkCluster cluster, Condition condition)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.holds()) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError(
        what + ": not within " + timeout + "\n" + LocalFlinkCluster.tail(cluster.jobManager()));
  }
}
