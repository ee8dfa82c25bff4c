package io.moestream.jobs.stream;

import io.moestream.jobs.cli.CorpusOptions;
import io.moestream.jobs.cli.DomainTokensOptions;
import io.moestream.jobs.cli.FlinkConfigOptions;
import io.moestream.jobs.cli.ModelIdsOptions;
import io.moestream.jobs.cli.ModelOptions;
import io.moestream.jobs.cli.TrainOptions;
import io.moestream.jobs.local.LocalRun;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code moe demo}: the drift demo. By default the whole pipeline runs in this process ({@link
 * StreamingDemo}): an embedded Kafka broker and a Flink MiniCluster train DynMoE on English, code,
 * German and French in turn, and the lifecycle events print as the registry topic delivers them, so
 * the expert set is seen reacting to each switch. {@code --local} tells the same story on one
 * in-process trainer, without Kafka or Flink. A short per-domain cap makes every switch happen
 * within the time limit.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Watch DynMoE's expert set react as the stream drifts from domain to domain.",
      "By default an embedded Kafka broker and Flink MiniCluster (web UI) run the streaming job"
          + " while the corpus is produced domain by domain; lifecycle events print as the"
          + " registry topic delivers them. --local trains one in-process model instead (no"
          + " Kafka, no Flink)."
    })
public final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ModelOptions model;
  @Mixin TrainOptions train;

  @Mixin CorpusOptions corpus;

  @Mixin DomainTokensOptions tokensPerDomain = new DomainTokensOptions(250_000);

  @Option(
      names = "--duration",
      defaultValue = "120",
      paramLabel = "SECONDS",
      description =
          "Stop after this many seconds, or when the corpus ends (default: ${DEFAULT-VALUE}).")
  long duration;

  @Option(
      names = "--no-progress",
      description = "Do not draw the progress bar (default: ${DEFAULT-VALUE}).")
  boolean noProgress;

  @Option(
      names = "--local",
      description =
          "Train one in-process model, without Kafka and Flink (default: ${DEFAULT-VALUE}).")
  boolean local;

  @Mixin ModelIdsOptions modelIds;

  @Mixin FlinkConfigOptions flinkConfig;

  @Option(
      names = "--work-dir",
      paramLabel = "DIR",
      description = "Kafka logs, checkpoints and the final savepoint (default: a new temp dir).")
  Path workDir;

  @Override
  public Integer call() throws Exception {
    if (duration < 1) {
      throw new IllegalArgumentException("--duration must be >= 1 second, got " + duration);
    }
    if (!local) {
      flinkConfig.check(ReservedFlinkKeys.embedded());
      Path work = workDir != null ? workDir : java.nio.file.Files.createTempDirectory("moe-demo-");
      spec.commandLine().getOut().println("work dir: " + work.toAbsolutePath());
      new io.moestream.jobs.stream.StreamingDemo(
              new io.moestream.operators.TrainerSettings(
                  model.toConfig(), demoTrainConfig(), train.batch(), 10),
              corpus.load(),
              modelIds.ids,
              tokensPerDomain.tokens(),
              java.time.Duration.ofSeconds(duration),
              work.toAbsolutePath(),
              spec.commandLine().getOut())
          .withFlinkConfig(flinkConfig)
          .run();
      return 0;
    }
    new LocalRun(
            model.toConfig(),
            demoTrainConfig(),
            train.batch(),
            corpus.files(),
            tokensPerDomain.orNull(),
            Long.MAX_VALUE,
            Math.multiplyHigh(duration, 1_000_000_000L) == 0
                ? duration * 1_000_000_000L
                : Long.MAX_VALUE,
            !noProgress,
            null,
            "demo")
        .execute(spec.commandLine().getOut());
    return 0;
  }

  /**
   * The demo's stream is short (a few hundred steps per domain), so unless the user chose a window
   * it records for 20 steps every 40 from step 20: the expert set gets several chances to react
   * inside every domain, and a spawn follows each switch within two windows.
   */
  private io.moestream.moe.config.TrainConfig demoTrainConfig() {
    var parsed = spec.commandLine().getParseResult();
    boolean chosen =
        parsed.hasMatchedOption("--window-start")
            || parsed.hasMatchedOption("--window-length")
            || parsed.hasMatchedOption("--window-period");
    var config = train.toConfig();
    return chosen
        ? config
        : config.withWindow(new io.moestream.moe.config.RecordingWindow(20, 20, 40));
  }
}
