package io.moestream.jobs;

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
      "Drift demo: train DynMoE domain by domain and show experts spawn and prune.",
      "This is the LOCAL demo (one in-process trainer); the embedded Kafka + Flink demo that"
          + " will become the default is built later."
    })
final class DemoCommand implements Callable<Integer> {
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

  @Override
  public Integer call() {
    if (duration < 1) {
      throw new IllegalArgumentException("--duration must be >= 1 second, got " + duration);
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
