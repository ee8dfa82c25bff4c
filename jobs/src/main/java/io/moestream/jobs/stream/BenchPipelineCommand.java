package io.moestream.jobs.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moestream.jobs.cli.CheckpointOptions;
import io.moestream.jobs.cli.DomainTokensOptions;
import io.moestream.jobs.cli.FlinkConfigOptions;
import io.moestream.jobs.cli.ModelOptions;
import io.moestream.jobs.cli.TopicNames;
import io.moestream.jobs.cli.TrainOptions;
import io.moestream.jobs.kafka.CorpusProducer;
import io.moestream.jobs.kafka.EmbeddedKafkaBroker;
import io.moestream.moe.data.TextCorpus;
import io.moestream.moe.tensor.TorchThreads;
import io.moestream.moe.train.MoeTrainer;
import io.moestream.operators.MoeTrainerOperator;
import io.moestream.operators.TrainerSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The whole pipeline's throughput against the bare training loop: the bundled corpus is produced
 * into a real broker for one model, the streaming job trains on it (bounded, checkpoints every
 * {@code --checkpoint-interval} s), and the same batches are then trained by a plain local trainer.
 * Checkpoint duration and size come from Flink's own REST API while the job runs.
 */
@Command(
    name = "pipeline",
    mixinStandardHelpOptions = true,
    description = "Tokens/s of Kafka → Flink trainer → Kafka against the bare training loop.")
public final class BenchPipelineCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;
  @Mixin ModelOptions model;
  @Mixin TrainOptions train;

  @Mixin DomainTokensOptions tokensPerDomain = new DomainTokensOptions(150_000);

  @Mixin CheckpointOptions checkpoint;

  @Mixin FlinkConfigOptions flinkConfig;

  @Option(
      names = "--threads",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "libtorch intra-op threads, for the job and the bare loop alike; 0 keeps libtorch's"
              + " default (default: ${DEFAULT-VALUE}).")
  int threads;

  @Override
  public Integer call() throws Exception {
    flinkConfig.check(ReservedFlinkKeys.bench());
    TrainerSettings st =
        new TrainerSettings(
            model.toConfig(), train.toConfig(model.toConfig()), train.batch(), 20, threads);
    TextCorpus corpus = TextCorpus.bundled();
    Path work = Files.createTempDirectory("moe-bench-pipeline-");
    ObjectNode out = JSON.createObjectNode().put("bench", "pipeline");
    try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start(work.resolve("kafka"))) {
      TopicNames topics = TopicNames.defaults();
      kafka.createTopics(topics, 2);
      CorpusProducer.produce(
          kafka.clientProps().producer(),
          topics.tokens(),
          List.of("bench"),
          corpus,
          512,
          tokensPerDomain.tokens(),
          null);
      int port = StreamingDemo.freePort();
      FlinkSettings flink =
          new FlinkSettings(work.resolve("flink"), 2, checkpoint.interval(), port, null);
      StreamExecutionEnvironment env =
          StreamExecutionEnvironment.getExecutionEnvironment(
              flinkConfig.applyTo(flink.toConfiguration(), ReservedFlinkKeys.bench()));
      KafkaConnectors k =
          new KafkaConnectors(kafka.bootstrapServers(), new Properties(), "moe-bench");
      k.job(topics, "moe-bench", true, st, 65_536).build(env);
      long started = System.nanoTime();
      JobClient job = env.executeAsync(MoeStreamingJob.NAME);
      // A local environment shuts its MiniCluster down with the job: poll the result future, not
      // the job status, and keep the last checkpoint statistics read while it ran.
      java.util.concurrent.CompletableFuture<JobExecutionResult> done = job.getJobExecutionResult();
      JsonNode checkpoints = null;
      while (!done.isDone()) {
        JsonNode c = checkpointStats(port, job.getJobID().toString());
        checkpoints = c != null ? c : checkpoints;
        Thread.sleep(1000);
      }
      JobExecutionResult result = done.get();
      double seconds = (System.nanoTime() - started) / 1e9;
      String line = ((List<String>) result.getAccumulatorResult(MoeTrainerOperator.DIGESTS)).get(0);
      long steps = Long.parseLong(line.substring(line.indexOf('@') + 1, line.indexOf(' ')));
      long tokens = steps * st.batchSize() * st.model().ctx();
      // Steady state: from the first training step to the last, on the trainer's own clock —
      // checkpoints, Kafka and network included, MiniCluster start and job deployment not.
      long first = result.getAccumulatorResult(MoeTrainerOperator.FIRST_STEP_AT);
      long last = result.getAccumulatorResult(MoeTrainerOperator.LAST_STEP_AT);
      long captureMs = result.getAccumulatorResult(MoeTrainerOperator.CAPTURE_MILLIS);
      double steady = (last - first) / 1e3;
      out.put("steps", steps).put("tokens", tokens).put("wall_s", seconds);
      out.put("steady_s", steady).put("state_write_s", captureMs / 1e3);
      out.put("pipeline_tokens_per_s_wall", tokens / seconds);
      out.put("pipeline_tokens_per_s", tokens / steady);
      double bare = bareLoop(st, corpus, steps);
      out.put("bare_loop_tokens_per_s", bare);
      out.put("pipeline_vs_bare", tokens / steady / bare);
      out.set("checkpoints", summarise(checkpoints));
    }
    spec.commandLine().getOut().println(JSON.writeValueAsString(out));
    spec.commandLine().getOut().flush();
    return 0;
  }

  /** The same batches, the same model, one local trainer, no Kafka and no Flink. */
  private static double bareLoop(TrainerSettings st, TextCorpus corpus, long steps) {
    long tokensPerDomain = Long.MAX_VALUE;
    TextCorpus.BatchCursor cursor =
        corpus.cursor(st.batchSize(), st.model().ctx(), tokensPerDomain);
    long nanos = 0;
    long tokens = 0;
    try (TorchThreads threads = TorchThreads.use(st.intraOpThreads());
        MoeTrainer t = MoeTrainer.create(st.model(), st.train())) {
      for (long i = 0; i < steps && cursor.hasNext(); i++) {
        int[][] batch = cursor.next();
        long t0 = System.nanoTime();
        t.train(batch);
        nanos += System.nanoTime() - t0;
        tokens += (long) st.batchSize() * st.model().ctx();
      }
    }
    return tokens * 1e9 / nanos;
  }

  private static JsonNode checkpointStats(int port, String jobId) {
    try {
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:" + port + "/jobs/" + jobId + "/checkpoints"))
                      .timeout(Duration.ofSeconds(2))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    } catch (Exception e) {
      return null; // the job may be finishing; keep the last good reading
    }
  }

  private static ObjectNode summarise(JsonNode c) {
    ObjectNode n = JSON.createObjectNode();
    if (c == null) {
      return n.put("note", "no checkpoint statistics could be read");
    }
    n.put("completed", c.path("counts").path("completed").asLong());
    JsonNode s = c.path("summary");
    n.set("end_to_end_duration_ms", s.path("end_to_end_duration"));
    n.set("checkpointed_size_bytes", s.path("checkpointed_size"));
    n.set("state_size_bytes", s.path("state_size"));
    return n;
  }
}
