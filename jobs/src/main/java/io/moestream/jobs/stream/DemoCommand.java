package io.moestream.jobs.stream;

import io.moestream.jobs.cli.ModelOptions;
import io.moestream.jobs.cli.TrainOptions;
import io.moestream.jobs.local.LocalRun;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The drift demo, local flavour: DynMoE meets English, code, German and French in turn, and the
 * console shows the expert set react. A short per-domain cap makes every switch happen within the
 * time limit. The end state is a Kafka + Flink pipeline started in-process; until that exists this
 * runs the same story on one local trainer.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "The embedded default: a Kafka broker and a Flink MiniCluster (web UI) run the streaming",
      "job while the corpus streams domain by domain; lifecycle events print as the registry",
      "topic's consumer receives them. --local trains one in-process model instead (no Kafka)."
    })
public final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ModelOptions model;
  @Mixin TrainOptions train;

  @Option(
      names = "--corpus",
      arity = "1..*",
      paramLabel = "FILE",
      description = "Text files, one domain each, in order (default: bundled corpus).")
  List<Path> corpus;

  @Option(
      names = "--max-tokens-per-domain",
      defaultValue = "250000",
      paramLabel = "N",
      description = "Tokens of each domain to train on (default: ${DEFAULT-VALUE}).")
  long maxTokensPerDomain;

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

  @Option(
      names = "--model-id",
      arity = "1..*",
      defaultValue = "demo",
      description =
          "Model ids to train on the stream (keys spread over subtasks; default: ${DEFAULT-VALUE}).")
  List<String> modelIds;

  @Option(
      names = "--work-dir",
      description = "Kafka logs, checkpoints and the final savepoint (default: a new temp dir).")
  Path workDir;

  @Override
  public Integer call() throws Exception {
    if (duration < 1) {
      throw new IllegalArgumentException("--duration must be >= 1 second, got " + duration);
    }
    if (!local) {
      Path work = workDir != null ? workDir : java.nio.file.Files.createTempDirectory("moe-demo-");
      spec.commandLine().getOut().println("work dir: " + work.toAbsolutePath());
      new io.moestream.jobs.stream.StreamingDemo(
              new io.moestream.operators.TrainerSettings(
                  model.toConfig(), demoTrainConfig(), train.batch(), 10),
              corpus == null
                  ? io.moestream.moe.data.TextCorpus.bundled()
                  : io.moestream.moe.data.TextCorpus.load(corpus),
              modelIds,
              maxTokensPerDomain,
              java.time.Duration.ofSeconds(duration),
              work.toAbsolutePath(),
              spec.commandLine().getOut())
          .run();
      return 0;
    }
    new LocalRun(
            model.toConfig(),
            demoTrainConfig(),
            train.batch(),
            corpus,
            maxTokensPerDomain,
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
        : config.withWindow(new io.moestream.moe.lifecycle.RecordingWindow(20, 20, 40));
  }
}
