package io.moestream.jobs.stream;

import static org.apache.flink.core.execution.SavepointFormatType.CANONICAL;

import io.moestream.jobs.cli.DeviceOptions;
import io.moestream.jobs.cli.FlinkConfigOptions;
import io.moestream.jobs.cli.InitFromOption;
import io.moestream.jobs.cli.KafkaClientProps;
import io.moestream.jobs.cli.ModelOptions;
import io.moestream.jobs.cli.OptionSections;
import io.moestream.jobs.cli.PrecisionOptions;
import io.moestream.jobs.cli.TimeoutOption;
import io.moestream.jobs.cli.TrainOptions;
import io.moestream.jobs.kafka.KafkaPreflight;
import io.moestream.moe.config.ModalityMap;
import io.moestream.moe.tensor.DeviceChoice;
import io.moestream.moe.train.Upcycling;
import io.moestream.operators.InitFrom;
import io.moestream.operators.MoeTrainerOperator;
import io.moestream.operators.TrainerSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.JobListener;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code train}: the streaming job against a given Kafka. Run as a process it starts an embedded
 * Flink (RocksDB, checkpoints in {@code --work-dir}); submitted with {@code flink run} it uses the
 * cluster. {@code --bounded} trains on the input present at start, stops with a savepoint and
 * prints every model's digest.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Run the streaming MoE trainer against Kafka (--bootstrap-servers).")
public final class TrainCommand implements Callable<Integer> {
  /** The long help's sections: what a reader looks for, in the order a first run needs it. */
  static final Map<String, List<String>> HELP_SECTIONS = helpSections();

  CommandSpec spec;

  @Spec
  void spec(CommandSpec spec) {
    this.spec = spec;
    OptionSections.install(spec, HELP_SECTIONS);
  }

  @Mixin ModelOptions model;
  @Mixin TrainOptions train;
  @Mixin DeviceOptions device = new DeviceOptions();
  @Mixin PrecisionOptions precision = new PrecisionOptions();
  @Mixin StreamOptions stream;
  @Mixin KafkaClientProps kafka;

  /** Only the check before Flink starts: the running job's clients keep Kafka's own patience. */
  @Mixin TimeoutOption timeout = new TimeoutOption(10);

  @Mixin FlinkConfigOptions flinkConfig;
  @Mixin InitFromOption initFrom = new InitFromOption();

  /** {@code --init-from} as read and checked here, for the trainer subtasks; null without it. */
  private InitFrom init;

  @Option(
      names = "--bounded",
      description =
          "Train on the input present at start, then stop with a savepoint (in --savepoint-dir,"
              + " else <work-dir>/savepoints) and print every model's digest.")
  boolean bounded;

  @Option(
      names = "--savepoint-dir",
      paramLabel = "DIR",
      description = "With --bounded: where the final savepoint (the model snapshot) goes.")
  Path savepointDir;

  @Option(
      names = "--resume",
      description = "Start from the latest retained checkpoint in --work-dir (after a kill).")
  boolean resume;

  @Option(
      names = "--from-savepoint",
      paramLabel = "PATH",
      description = "Start from this savepoint or retained checkpoint.")
  String fromSavepoint;

  @Option(
      names = "--fresh",
      description =
          "Start new models even though --work-dir holds checkpoints of an earlier run (without"
              + " it, such a start is refused: pass --resume to continue that run).")
  boolean fresh;

  @Override
  public Integer call() throws Exception {
    ModelMemory.check(model.toConfig(), stream.maxModelMemoryMb);
    settings(); // bad model or training flags are refused before Kafka or Flink is touched
    connectors(kafka).checkCheckpointInterval(stream.checkpoint.interval());
    String recovery = RestoreCheck.recoveryPath(stream.workDir, resume, fromSavepoint, fresh);
    Upcycling.Source source = initFrom.read(model.toConfig());
    FlinkSettings flink =
        new FlinkSettings(
            stream.workDir.toAbsolutePath(),
            stream.parallelism,
            stream.checkpoint.interval(),
            0,
            recovery);
    Configuration conf =
        flinkConfig.applyTo(
            FlinkSettings.withPrometheusReporter(
                flink.toConfiguration(), stream.metrics.reporterPorts()),
            ReservedFlinkKeys.train());
    if (!bounded && savepointDir != null) {
      throw new IllegalArgumentException("--savepoint-dir needs --bounded");
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    if (stream.metrics.reporterPorts() != null && !(env instanceof LocalStreamEnvironment)) {
      throw new IllegalArgumentException(
          "--metrics-port configures the embedded cluster; a job submitted to a Flink cluster"
              + " reports through the cluster's reporters (its config.yaml, README \"Metrics\")");
    }
    // The embedded cluster trains in this JVM: a GPU it cannot see fails here, before Kafka and
    // Flink. Submitted to a cluster, the client or JobManager running this need no GPU: the
    // TaskManagers check their own (MoeTrainerOperator fails the job there, without restarts).
    if (device.choice() == DeviceChoice.GPU && env instanceof LocalStreamEnvironment) {
      device.resolve();
    }
    PrintWriter out = spec.commandLine().getOut();
    // Bad input first (it needs no broker), then Kafka, then Flink.
    checkRestore(env, recovery, out);
    init = initLine(source, recovery, out);
    checkKafka();
    // Printed when the job is submitted, from the JobClient Flink hands its listeners: so the
    // unbounded run keeps env.execute, and with it everything execute does beyond executeAsync
    // (return at once when detached, cancel on exit under flink run -sae, client heartbeats).
    env.registerJobListener(started(env, out, stream.metrics.startedLine()));
    if (!bounded) {
      job(kafka, GROUP_ID).build(env);
      env.execute(stream.jobName());
      return 0;
    }
    Path target = (savepointDir != null ? savepointDir : stream.workDir.resolve("savepoints"));
    // A fresh group per run, so offsets committed by an earlier run cannot end this one early.
    String group = GROUP_ID + "-" + UUID.randomUUID();
    try (EndOfInput input = EndOfInput.capture(kafka.admin(), stream.topics.tokens, group)) {
      job(kafka, group).build(env);
      JobClient client = env.executeAsync(stream.jobName());
      CompletableFuture<JobExecutionResult> done = client.getJobExecutionResult();
      while (!input.consumed()) {
        if (done.isDone()) {
          done.get(); // a failed job throws here, with its cause
          throw new IllegalStateException("the job ended before it consumed its input");
        }
        Thread.sleep(500);
      }
      String path =
          client
              .stopWithSavepoint(false, target.toAbsolutePath().toUri().toString(), CANONICAL)
              .get();
      printDigests(done.get(), out);
      out.println("savepoint " + path);
      out.flush();
    }
    return 0;
  }

  /**
   * The brokers answer and the job's four topics exist, within {@code --timeout}; otherwise one
   * line says which (KafkaPreflight). Runs wherever this main method runs: in this process for the
   * embedded cluster, in the {@code flink run} client or, in application mode, the JobManager; each
   * of those must reach Kafka anyway (the bounded run reads end offsets from there), so a failed
   * check there is as real as one here, and it costs one metadata request.
   */
  private void checkKafka() {
    Map<String, Integer> topics = new LinkedHashMap<>();
    int keyed = Math.max(1, stream.parallelism);
    topics.put(stream.topics.tokens, keyed);
    topics.put(stream.topics.dlq, 1);
    topics.put(stream.topics.registry, keyed);
    topics.put(stream.topics.metrics, 1);
    KafkaPreflight.check(kafka, topics, Set.of(stream.topics.registry), timeout.timeout());
  }

  /**
   * Prints the job id and, where this process can tell, its web UI once the job is submitted; and
   * where the embedded cluster serves its metrics ({@code --metrics-port}).
   */
  private static JobListener started(
      StreamExecutionEnvironment env, PrintWriter out, String metricsLine) {
    return new JobListener() {
      @Override
      public void onJobSubmitted(JobClient client, Throwable failure) {
        if (client != null) {
          out.println(WebUiAddress.startedLine(client, env.getConfiguration()));
          if (metricsLine != null && env instanceof LocalStreamEnvironment) {
            out.println(metricsLine);
          }
          out.flush();
        }
      }

      @Override
      public void onJobExecuted(JobExecutionResult result, Throwable failure) {}
    };
  }

  /**
   * Before the embedded cluster starts: a fresh start does not bury an earlier run's checkpoints,
   * and the starting state holds models of this run's settings. Submitted to a cluster ({@code
   * flink run}, REST) the main method runs in the JobManager, which must not start a local Flink to
   * read a savepoint; there the trainer refuses models of other settings itself, once, without
   * restarts.
   */
  private void checkRestore(StreamExecutionEnvironment env, String recovery, PrintWriter out)
      throws Exception {
    if (!(env instanceof LocalStreamEnvironment)) {
      return;
    }
    if (recovery == null && !fresh) {
      RestoreCheck.noEarlierCheckpoints(stream.workDir);
    } else if (recovery != null) {
      RestoreCheck.models(
          recovery,
          model.toConfig(),
          train.toConfig(model.toConfig()),
          stream.workDir.resolve("tmp"),
          out);
    }
  }

  /**
   * What the trainer subtasks upcycle new models from, and the line that says so. With restored
   * state the state wins for every model it holds (re-upcycling would throw training away): a
   * warning says so, and only model ids that have no state yet start from the init — which is also
   * what keeps a restart after a failure equal to an undisturbed run.
   */
  private InitFrom initLine(Upcycling.Source source, String recovery, PrintWriter out) {
    if (source == null) {
      return null;
    }
    out.println(InitFromOption.describe(source));
    out.flush();
    if (recovery != null) {
      PrintWriter err = spec.commandLine().getErr();
      err.println(
          "warning: --init-from applies only to models without state: those in "
              + recovery
              + " keep their trained parameters; only new model ids start upcycled");
      err.flush();
    }
    return new InitFrom(
        initFrom.dir().toAbsolutePath().normalize().toString(),
        source.weightsSha256(),
        source.origin());
  }

  private static Map<String, List<String>> helpSections() {
    Map<String, List<String>> m = new LinkedHashMap<>();
    m.put(
        "Model:",
        List.of(
            "--router",
            "--d",
            "--layers",
            "--heads",
            "--ctx",
            "--ff",
            "--experts",
            "--emax",
            "--top-k",
            "--top-p",
            "--null-experts",
            "--aux",
            "--evo-warmup",
            "--evo-evolution"));
    m.put(
        "Training:",
        List.of(
            "--batch",
            "--lr",
            "--seed",
            "--window-start",
            "--window-length",
            "--window-period",
            "--spawn-min-unrouted",
            "--prune-max-share",
            "--spawn-policy",
            "--k-target",
            "--k-target-step",
            "--train-fallback",
            "--straight-through-k",
            "--modalities",
            "--summary-every"));
    m.put(
        "Kafka and topics:",
        List.of(
            "--bootstrap-servers",
            "--kafka-config",
            "--kafka-property",
            "--timeout",
            "--tokens-topic",
            "--dlq-topic",
            "--registry-topic",
            "--metrics-topic"));
    m.put(
        "Checkpoints and state:",
        List.of(
            "--work-dir",
            "--checkpoint-interval",
            "--resume",
            "--fresh",
            "--from-savepoint",
            "--init-from",
            "--bounded",
            "--savepoint-dir",
            "--job-name"));
    m.put(
        "Limits and resources:",
        List.of(
            "--parallelism",
            "--threads",
            "--max-tokens",
            "--max-models",
            "--max-model-memory",
            "--device",
            "--precision",
            "-D"));
    m.put("Monitoring:", List.of("--metrics-port"));
    return m;
  }

  /** Consumer group of the token source; its committed offsets show what checkpoints hold. */
  static final String GROUP_ID = "moe-trainer";

  /**
   * The job wired to Kafka with this command's settings. Its source never ends by itself: a bounded
   * run is stopped from outside with a savepoint, because a Kafka source restored from a savepoint
   * keeps the stopping offsets (none, or old ones) it was saved with.
   */
  MoeStreamingJob job(KafkaClientProps client, String groupId) {
    KafkaConnectors kafka = connectors(client);
    return kafka.job(stream.topics.names(), groupId, false, settings(), stream.maxTokens);
  }

  /** What every trainer subtask is built with: the model, training, device and precision flags. */
  TrainerSettings settings() {
    return new TrainerSettings(
            model.toConfig(),
            train.toConfig(model.toConfig()),
            train.batch(),
            stream.summaryEvery,
            stream.threads,
            ModalityMap.parse(stream.modalities))
        .withMaxModels(stream.maxModels)
        .withDevice(device.choice())
        .withInitFrom(init)
        .withPrecision(precision.choice());
  }

  /** Kafka connectors whose transactional ids are this job's own (its job name). */
  private KafkaConnectors connectors(KafkaClientProps client) {
    return new KafkaConnectors(client.bootstrapServers(), client.common(), stream.jobName());
  }

  static void printDigests(JobExecutionResult result, PrintWriter out) {
    List<String> digests = result.getAccumulatorResult(MoeTrainerOperator.DIGESTS);
    if (digests == null) {
      return;
    }
    digests.stream().sorted().forEach(d -> out.println("model " + d));
    out.flush();
  }
}
