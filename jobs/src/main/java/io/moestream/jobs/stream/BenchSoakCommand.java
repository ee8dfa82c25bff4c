package io.moestream.jobs.stream;

import io.moestream.jobs.cli.CheckpointOptions;
import io.moestream.jobs.cli.FlinkConfigOptions;
import io.moestream.jobs.cli.ModelOptions;
import io.moestream.jobs.cli.TopicNames;
import io.moestream.jobs.cli.TrainOptions;
import io.moestream.jobs.kafka.CorpusProducer;
import io.moestream.jobs.kafka.EmbeddedKafkaBroker;
import io.moestream.moe.data.TextCorpus;
import io.moestream.operators.TrainerSettings;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The soak benchmark: the streaming job (embedded broker, MiniCluster, RocksDB, checkpoints) trains
 * without end on the bundled corpus, produced again and again as the job catches up, while this
 * process's memory is sampled every {@code --sample-every} seconds (see {@link MemorySample}), with
 * the model's step, active experts and average k from the metrics topic next to it. Writes {@code
 * soak.csv}, {@code soak.png} and a verdict line: growth after warm-up, goal < 10%.
 *
 * <p>Hostile records ({@link HostileRecords}: one of every refused kind, among them a 16-byte
 * record claiming 2 GB and records of 1 MB and 10 MB) are injected {@code --hostile-per-minute}
 * times a minute; their dead letters are counted on the dead-letter topic and the job's restarts
 * read from Flink's REST API. The run fails (exit 1) unless every injected record became exactly
 * one dead letter and the job never restarted.
 */
@Command(
    name = "soak",
    mixinStandardHelpOptions = true,
    description = "Memory of a long streaming run: resident and native growth after warm-up.")
public final class BenchSoakCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ModelOptions model;
  @Mixin TrainOptions train;

  @Option(
      names = "--duration",
      paramLabel = "SECONDS",
      defaultValue = "1320",
      description = "Seconds to run (default: ${DEFAULT-VALUE}, 22 min).")
  int durationSeconds;

  @Option(
      names = "--warmup",
      paramLabel = "SECONDS",
      defaultValue = "300",
      description = "Seconds before the baseline sample (default: ${DEFAULT-VALUE}).")
  int warmupSeconds;

  @Option(
      names = "--sample-every",
      paramLabel = "SECONDS",
      defaultValue = "30",
      description = "Seconds between memory samples (default: ${DEFAULT-VALUE}).")
  int sampleSeconds;

  @Mixin CheckpointOptions checkpoint;

  @Mixin FlinkConfigOptions flinkConfig;

  @Option(
      names = "--threads",
      paramLabel = "N",
      defaultValue = "1",
      description = "libtorch intra-op threads (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(
      names = "--hostile-per-minute",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "Inject one record of every refused kind this many times a minute, 0 for none; the run"
              + " fails unless each becomes one dead letter without a job restart (default:"
              + " ${DEFAULT-VALUE}).")
  int hostilePerMinute;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      defaultValue = "soak-results",
      description = "Directory for soak.csv and soak.png (default: ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() throws Exception {
    if (warmupSeconds >= durationSeconds || sampleSeconds < 1) {
      throw new IllegalArgumentException("need 0 < --sample-every and --warmup < --duration");
    }
    if (hostilePerMinute < 0 || hostilePerMinute > 60) {
      throw new IllegalArgumentException("--hostile-per-minute must lie in [0, 60]");
    }
    flinkConfig.check(ReservedFlinkKeys.bench());
    TrainerSettings st =
        new TrainerSettings(
            model.toConfig(), train.toConfig(model.toConfig()), train.batch(), 20, threads);
    PrintWriter say = spec.commandLine().getOut();
    Files.createDirectories(out);
    Path work = Files.createTempDirectory("moe-bench-soak-");
    try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start(work.resolve("kafka"))) {
      TopicNames topics = TopicNames.defaults();
      kafka.createTopics(topics, 2);
      // The tokens topic accepts the 10 MB hostile record (Kafka's default is 1 MB).
      allowLargeRecords(kafka, topics.tokens());
      int restPort = StreamingDemo.freePort();
      FlinkSettings flink =
          new FlinkSettings(work.resolve("flink"), 2, checkpoint.interval(), restPort, null);
      StreamExecutionEnvironment env =
          StreamExecutionEnvironment.getExecutionEnvironment(
              flinkConfig.applyTo(flink.toConfiguration(), ReservedFlinkKeys.bench()));
      KafkaConnectors k =
          new KafkaConnectors(kafka.bootstrapServers(), new Properties(), "moe-soak");
      k.job(topics, "moe-soak", false, st, MAX_TOKENS).build(env);
      JobClient job = env.executeAsync(MoeStreamingJob.NAME);
      JobRestarts restarts = new JobRestarts(restPort, job.getJobID());
      List<HostileRecords.Hostile> hostile =
          HostileRecords.all(st.model().vocabSize(), MAX_TOKENS, MAX_MODEL_ID, TOPIC_MAX_BYTES);
      long injected = 0;
      long deadLetters = 0;
      // The first batch goes in before the corpus, so it is read first; later batches queue
      // behind whatever the job has still to read.
      long nextInjection = hostilePerMinute == 0 ? Long.MAX_VALUE : 60 / hostilePerMinute;
      MemorySample.Series series = new MemorySample.Series(warmupSeconds);
      long nextSample = 0;
      long nextLagCheck = 0;
      long rounds = 0;
      io.moestream.schemas.TrainingSummary latest = null;
      // The clock starts with the first committed training summary: start-up (broker, cluster,
      // libtorch, the first checkpoint) is not part of the soak, however long a loaded machine
      // makes it.
      long started = Long.MAX_VALUE;
      long giveUp = System.nanoTime() + Duration.ofSeconds(STARTUP_LIMIT_S).toNanos();
      try (io.moestream.jobs.kafka.TopicReader metrics =
              new io.moestream.jobs.kafka.TopicReader(kafka.clientProps(), topics.metrics(), true);
          io.moestream.jobs.kafka.TopicReader dlq =
              new io.moestream.jobs.kafka.TopicReader(kafka.clientProps(), topics.dlq(), true);
          KafkaProducer<byte[], byte[]> hostileProducer =
              new KafkaProducer<>(largeRecordProducer(kafka))) {
        while (started == Long.MAX_VALUE || elapsed(started) < durationSeconds) {
          if (started == Long.MAX_VALUE && System.nanoTime() > giveUp) {
            throw new IllegalStateException(
                "the job committed no training summary within " + STARTUP_LIMIT_S + " s");
          }
          for (var r : metrics.poll(Duration.ofMillis(100))) {
            latest = io.moestream.schemas.TrainingSummary.getDecoder().decode(r.value());
            started = Math.min(started, System.nanoTime());
          }
          deadLetters += dlq.poll(Duration.ofMillis(10)).size();
          if (hostilePerMinute > 0
              && (injected == 0
                  || (started != Long.MAX_VALUE && elapsed(started) >= nextInjection))) {
            if (injected > 0) {
              nextInjection += 60 / hostilePerMinute;
            }
            injected += inject(hostileProducer, topics.tokens(), hostile);
          }
          if (job.getJobExecutionResult().isDone()) {
            job.getJobExecutionResult().get(); // a failed job throws its cause here
            throw new IllegalStateException("the job ended during the soak");
          }
          // Produce one more pass over the corpus whenever the job has consumed the last one. The
          // consumed offsets move only at checkpoints: ask Kafka once per checkpoint interval, not
          // once a second (each question is an admin client inside the process being measured).
          boolean due = System.nanoTime() >= nextLagCheck;
          if (due) {
            nextLagCheck = System.nanoTime() + checkpoint.interval().toNanos();
          }
          if (rounds == 0 || (due && lagCleared(kafka, topics))) {
            CorpusProducer.produce(
                kafka.clientProps().producer(),
                topics.tokens(),
                List.of("soak"),
                TextCorpus.bundled(),
                512,
                Long.MAX_VALUE,
                null);
            rounds++;
          }
          if (started != Long.MAX_VALUE && elapsed(started) >= nextSample) {
            MemorySample s =
                MemorySample.now(
                    elapsed(started),
                    kafka.pid(),
                    rounds,
                    latest,
                    injected,
                    deadLetters,
                    restarts.now());
            series.add(s);
            say.println(s.line());
            say.flush();
            nextSample += sampleSeconds;
          }
          Thread.sleep(1000);
        }
        // The last hostile records are refused once the job has read what was produced before
        // them (at most one pass over the corpus), and committed with the next checkpoint.
        long settle = System.nanoTime() + Duration.ofSeconds(DEAD_LETTER_WAIT_S).toNanos();
        while (deadLetters < injected
            && System.nanoTime() < settle
            && !job.getJobExecutionResult().isDone()) {
          deadLetters += dlq.poll(Duration.ofMillis(500)).size();
        }
      }
      long restartCount = restarts.await(Duration.ofSeconds(60));
      job.cancel().get();
      series.writeCsv(out.resolve("soak.csv"));
      series.plot(out.resolve("soak.png"));
      say.println(series.verdict());
      boolean held = deadLetters == injected && restartCount == 0;
      say.printf(
          Locale.ROOT,
          "soak hostile records: injected %d, dead letters %d, job restarts %s (goal: one dead"
              + " letter each, no restart: %s)%n",
          injected,
          deadLetters,
          restartCount < 0 ? "unknown" : Long.toString(restartCount),
          held ? "met" : "NOT met");
      say.flush();
      return held ? 0 : 1;
    }
  }

  /** What the soak's job accepts: the CLI's defaults. */
  private static final int MAX_TOKENS = 65_536;

  private static final int MAX_MODEL_ID = 128;

  /** The tokens topic's {@code max.message.bytes}: room for the 10 MB hostile record. */
  private static final int TOPIC_MAX_BYTES = 16 << 20;

  /** How long the end of the run waits for the last dead letters. */
  private static final long DEAD_LETTER_WAIT_S = 600;

  /** Sends one record of every hostile kind, each on its own key; how many were sent. */
  private static int inject(
      KafkaProducer<byte[], byte[]> producer, String topic, List<HostileRecords.Hostile> hostile)
      throws Exception {
    for (HostileRecords.Hostile h : hostile) {
      producer
          .send(
              new ProducerRecord<>(
                  topic, ("hostile-" + h.kind()).getBytes(StandardCharsets.UTF_8), h.value()))
          .get();
    }
    return hostile.size();
  }

  private static Properties largeRecordProducer(EmbeddedKafkaBroker kafka) {
    Properties p = kafka.clientProps().producer();
    p.setProperty("max.request.size", Integer.toString(TOPIC_MAX_BYTES));
    return p;
  }

  private static void allowLargeRecords(EmbeddedKafkaBroker kafka, String topic) throws Exception {
    try (Admin admin = Admin.create(kafka.clientProps().admin())) {
      ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      AlterConfigOp op =
          new AlterConfigOp(
              new ConfigEntry("max.message.bytes", Integer.toString(TOPIC_MAX_BYTES)),
              AlterConfigOp.OpType.SET);
      admin.incrementalAlterConfigs(Map.of(r, List.of(op))).all().get();
    }
  }

  private static final long STARTUP_LIMIT_S = 300;

  private static long elapsed(long started) {
    return (System.nanoTime() - started) / 1_000_000_000L;
  }

  /** Whether the job's checkpointed offsets reached the end of the tokens topic. */
  private static boolean lagCleared(EmbeddedKafkaBroker kafka, TopicNames topics) throws Exception {
    try (EndOfInput end =
        EndOfInput.capture(kafka.clientProps().admin(), topics.tokens(), "moe-soak")) {
      return end.consumed();
    }
  }
}
