package io.moestream.jobs.stream;

import io.moestream.jobs.ModelOptions;
import io.moestream.jobs.TrainOptions;
import io.moestream.jobs.kafka.CorpusProducer;
import io.moestream.jobs.kafka.EmbeddedKafkaBroker;
import io.moestream.jobs.kafka.TopicNames;
import io.moestream.moe.data.TextCorpus;
import io.moestream.operators.TrainerSettings;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
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
      defaultValue = "1320",
      description = "Seconds to run (default: ${DEFAULT-VALUE}, 22 min).")
  int durationSeconds;

  @Option(
      names = "--warmup",
      defaultValue = "300",
      description = "Seconds before the baseline sample (default: ${DEFAULT-VALUE}).")
  int warmupSeconds;

  @Option(
      names = "--sample-every",
      defaultValue = "30",
      description = "Seconds between memory samples (default: ${DEFAULT-VALUE}).")
  int sampleSeconds;

  @Option(
      names = "--checkpoint-interval",
      defaultValue = "10",
      description = "Seconds between checkpoints (default: ${DEFAULT-VALUE}).")
  int checkpointSeconds;

  @Option(
      names = "--threads",
      defaultValue = "1",
      description = "libtorch intra-op threads (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(
      names = "--out",
      defaultValue = "soak-results",
      description = "Directory for soak.csv and soak.png (default: ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() throws Exception {
    if (warmupSeconds >= durationSeconds || sampleSeconds < 1) {
      throw new IllegalArgumentException("need 0 < --sample-every and --warmup < --duration");
    }
    TrainerSettings st =
        new TrainerSettings(model.toConfig(), train.toConfig(), train.batch(), 20, threads);
    PrintWriter say = spec.commandLine().getOut();
    Files.createDirectories(out);
    Path work = Files.createTempDirectory("moe-bench-soak-");
    try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start(work.resolve("kafka"))) {
      TopicNames topics = TopicNames.defaults();
      kafka.createTopics(topics, 2);
      FlinkSettings flink =
          new FlinkSettings(
              work.resolve("flink"), 2, Duration.ofSeconds(checkpointSeconds), 0, null);
      StreamExecutionEnvironment env =
          StreamExecutionEnvironment.getExecutionEnvironment(flink.toConfiguration());
      KafkaConnectors k =
          new KafkaConnectors(kafka.bootstrapServers(), new Properties(), "moe-soak");
      k.job(topics, "moe-soak", false, st, 65_536).build(env);
      JobClient job = env.executeAsync(MoeStreamingJob.NAME);
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
          new io.moestream.jobs.kafka.TopicReader(kafka.clientProps(), topics.metrics(), true)) {
        while (started == Long.MAX_VALUE || elapsed(started) < durationSeconds) {
          if (started == Long.MAX_VALUE && System.nanoTime() > giveUp) {
            throw new IllegalStateException(
                "the job committed no training summary within " + STARTUP_LIMIT_S + " s");
          }
          for (var r : metrics.poll(Duration.ofMillis(100))) {
            latest = io.moestream.schemas.TrainingSummary.getDecoder().decode(r.value());
            started = Math.min(started, System.nanoTime());
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
            nextLagCheck = System.nanoTime() + Duration.ofSeconds(checkpointSeconds).toNanos();
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
            MemorySample s = MemorySample.now(elapsed(started), kafka.pid(), rounds, latest);
            series.add(s);
            say.println(s.line());
            say.flush();
            nextSample += sampleSeconds;
          }
          Thread.sleep(1000);
        }
      }
      job.cancel().get();
      series.writeCsv(out.resolve("soak.csv"));
      series.plot(out.resolve("soak.png"));
      say.println(series.verdict());
      say.flush();
    }
    return 0;
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
