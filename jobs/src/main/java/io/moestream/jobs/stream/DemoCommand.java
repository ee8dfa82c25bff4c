package io.moestream.jobs.stream;

import io.moestream.jobs.cli.CorpusOptions;
import io.moestream.jobs.cli.DomainTokensOptions;
import io.moestream.jobs.cli.FlinkConfigOptions;
import io.moestream.jobs.cli.MetricsOptions;
import io.moestream.jobs.cli.ModelIdsOptions;
import io.moestream.jobs.cli.ModelOptions;
import io.moestream.jobs.cli.TrainOptions;
import io.moestream.jobs.local.LocalRun;
import io.moestream.moe.tensor.TorchThreads;
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
 * in-process trainer, without Kafka or Flink. A short per-domain cap makes the stream end by itself
 * well inside the default duration, every switch included (docs/decisions.md, issue 18 point 1, has
 * the measurement behind the numbers).
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
  /**
   * libtorch intra-op threads while the demo trains. The default model is dispatch-bound, so a
   * second thread buys nothing, and where the other core is busy (Kafka and Flink here, other work
   * on a CI machine) its spin-waiting made steps several times slower: 31 against 109 steps in 40 s
   * of {@code demo --local} on the loaded 2-core machine of docs/decisions.md (issue 18 point 1).
   */
  private static final int INTRA_OP_THREADS = 1;

  @Spec CommandSpec spec;
  @Mixin ModelOptions model;
  @Mixin TrainOptions train;

  @Mixin CorpusOptions corpus;

  /**
   * 83,000 tokens make 80 steps a domain at the default batch (8 x 129 tokens), 320 in all (321 in
   * the streaming job, whose steps do not split at domain ends): two recording periods of the
   * demo's window per domain; the stream ended after 109 s on a loaded 2-core machine
   * (docs/decisions.md, issue 18 point 1).
   */
  @Mixin DomainTokensOptions tokensPerDomain = new DomainTokensOptions(83_000);

  /** A cap, not the expected time: the stream ends by itself long before it on a 2-core machine. */
  @Option(
      names = "--duration",
      defaultValue = "180",
      paramLabel = "SECONDS",
      description =
          "Stop after this many seconds, or when the corpus ends (default: ${DEFAULT-VALUE}).")
  long duration;

  @Option(
      names = "--no-progress",
      description =
          "Do not draw the progress bar or redraw the progress line; print each new progress"
              + " state on its own line instead, for logs (default: ${DEFAULT-VALUE}).")
  boolean noProgress;

  @Option(
      names = "--local",
      description =
          "Train one in-process model, without Kafka and Flink (default: ${DEFAULT-VALUE}).")
  boolean local;

  @Mixin ModelIdsOptions modelIds;

  /** {@code --metrics-port}: the MiniCluster's metrics for Prometheus (off by default). */
  @Mixin MetricsOptions metrics;

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
    // Flag checks before libtorch loads and a broker starts: a typo is a line at once.
    if (local && (!flinkConfig.settings().isEmpty() || metrics.reporterPorts() != null)) {
      throw new IllegalArgumentException(
          "-D and --metrics-port configure the embedded Flink cluster; --local starts none");
    }
    if (!local) {
      flinkConfig.check(ReservedFlinkKeys.embedded());
    }
    demoTrainConfig().budget().requireFits(model.toConfig().router()); // --k-target on a router
    // The MiniCluster's trainer runs in this JVM and sets the count for the whole process: the
    // block restores it afterwards, for whatever else runs in the process (tests).
    try (TorchThreads threads = TorchThreads.use(INTRA_OP_THREADS)) {
      if (local) {
        runLocal();
      } else {
        runEmbedded();
      }
    }
    return 0;
  }

  private void runEmbedded() throws Exception {
    Path work = workDir != null ? workDir : java.nio.file.Files.createTempDirectory("moe-demo-");
    spec.commandLine().getOut().println("work dir: " + work.toAbsolutePath());
    new io.moestream.jobs.stream.StreamingDemo(
            new io.moestream.operators.TrainerSettings(
                model.toConfig(), demoTrainConfig(), train.batch(), 10, INTRA_OP_THREADS),
            corpus.load(),
            modelIds.ids,
            tokensPerDomain.tokens(),
            java.time.Duration.ofSeconds(duration),
            work.toAbsolutePath(),
            spec.commandLine().getOut())
        .withMetrics(metrics)
        .withLiveLine(!noProgress)
        .withFlinkConfig(flinkConfig)
        .run();
  }

  private void runLocal() {
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
  }

  /**
   * The demo's stream is short (80 steps per domain by default), so unless the user chose a window
   * it records for 20 steps every 40 from step 20: a domain holds two whole windows, both of them
   * after its switch (steps 100-119 and 140-159 of a domain starting at 80), so the spawns that
   * follow each switch come from records of the new domain alone.
   */
  private io.moestream.moe.config.TrainConfig demoTrainConfig() {
    var parsed = spec.commandLine().getParseResult();
    boolean chosen =
        parsed.hasMatchedOption("--window-start")
            || parsed.hasMatchedOption("--window-length")
            || parsed.hasMatchedOption("--window-period");
    var config = train.toConfig(model.toConfig());
    return chosen
        ? config
        : config.withWindow(new io.moestream.moe.config.RecordingWindow(20, 20, 40));
  }
}
