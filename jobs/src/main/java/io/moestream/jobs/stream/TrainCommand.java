package io.moestream.jobs.stream;

import io.moestream.jobs.ModelOptions;
import io.moestream.jobs.TrainOptions;
import io.moestream.jobs.kafka.KafkaClientProps;
import io.moestream.operators.MoeTrainerOperator;
import io.moestream.operators.TokenValidator;
import io.moestream.operators.TrainerSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code train}: the streaming job against a given Kafka. Run as a process it starts an embedded
 * Flink (RocksDB, checkpoints in {@code --work-dir}); submitted with {@code flink run} it uses the
 * cluster. {@code --bounded} stops at the offsets present at start and prints every model's digest.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Run the streaming MoE trainer against Kafka (--bootstrap-servers).")
public final class TrainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ModelOptions model;
  @Mixin TrainOptions train;
  @Mixin StreamOptions stream;
  @Mixin KafkaClientProps kafka;

  @Option(
      names = "--bounded",
      description = "Stop at the end offsets present at start, then print model digests.")
  boolean bounded;

  @Option(
      names = "--resume",
      description = "Start from the latest retained checkpoint in --work-dir (after a kill).")
  boolean resume;

  @Option(
      names = "--from-savepoint",
      paramLabel = "PATH",
      description = "Start from this savepoint or retained checkpoint.")
  String fromSavepoint;

  @Override
  public Integer call() throws Exception {
    String recovery = fromSavepoint;
    if (resume) {
      recovery =
          RetainedCheckpoints.latest(stream.workDir.resolve("checkpoints"))
              .map(Path::toString)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "--resume: no retained checkpoint under "
                              + stream.workDir.resolve("checkpoints")));
    }
    FlinkSettings flink =
        new FlinkSettings(
            stream.workDir.toAbsolutePath(),
            stream.parallelism,
            Duration.ofSeconds(stream.checkpointSeconds),
            0,
            recovery);
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(flink.toConfiguration());
    JobExecutionResult result = job(kafka).execute(env);
    printDigests(result, spec.commandLine().getOut());
    return 0;
  }

  /** The job wired to Kafka with this command's settings. */
  MoeStreamingJob job(KafkaClientProps client) {
    KafkaConnectors kafka =
        new KafkaConnectors(
            client.bootstrapServers(), client.common(), "moe-" + stream.registryTopic);
    TrainerSettings settings =
        new TrainerSettings(model.toConfig(), train.toConfig(), train.batch(), stream.summaryEvery);
    return new MoeStreamingJob(
        kafka.tokens(stream.tokensTopic, "moe-trainer", bounded),
        kafka.registry(stream.registryTopic),
        kafka.metrics(stream.metricsTopic),
        kafka.deadLetters(stream.dlqTopic),
        settings,
        new TokenValidator(settings.model().vocabSize(), stream.maxTokens, 128));
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
