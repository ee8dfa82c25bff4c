package io.moestream.jobs.local;

import io.moestream.jobs.cli.CorpusOptions;
import io.moestream.jobs.cli.DeviceOptions;
import io.moestream.jobs.cli.DomainTokensOptions;
import io.moestream.jobs.cli.ExpertDispatchOptions;
import io.moestream.jobs.cli.InitFromOption;
import io.moestream.jobs.cli.ModelOptions;
import io.moestream.jobs.cli.PrecisionOptions;
import io.moestream.jobs.cli.TrainOptions;
import io.moestream.moe.config.ModelConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Trains on local text files without Kafka or Flink: the quickest way to see the model learn, watch
 * DynMoE spawn and prune across domain switches, and get a digest to compare runs by.
 */
@Command(
    name = "train-local",
    mixinStandardHelpOptions = true,
    description = "Train on text files (one domain per file, in order) and report per domain.")
public final class TrainLocalCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ModelOptions model;
  @Mixin TrainOptions train;
  @Mixin DeviceOptions device = new DeviceOptions();
  @Mixin ExpertDispatchOptions dispatch = new ExpertDispatchOptions();
  @Mixin PrecisionOptions precision = new PrecisionOptions();

  @Mixin CorpusOptions corpus;
  @Mixin InitFromOption initFrom = new InitFromOption();

  @Option(
      names = "--export",
      paramLabel = "DIR",
      description =
          "At the end, export the trained model to DIR as snapshot export does (manifest.json,"
              + " model.safetensors): for infer and --init-from (default: none).")
  Path export;

  @Option(
      names = "--steps",
      paramLabel = "N",
      defaultValue = "500",
      description =
          "Training steps; stops earlier if the corpus runs out (default: ${DEFAULT-VALUE}).")
  long steps;

  @Mixin DomainTokensOptions tokensPerDomain = new DomainTokensOptions();

  @Option(
      names = "--json-out",
      paramLabel = "FILE",
      description = "Also write one JSON record per step to FILE (default: none).")
  Path json;

  /** The name before the JSON convention (docs/decisions.md); kept for existing scripts. */
  @Option(
      names = "--json",
      hidden = true,
      paramLabel = "FILE",
      description = "Deprecated alias of --json-out.")
  void legacyJson(Path file) {
    if (file != null) {
      json = file;
    }
  }

  @Option(
      names = "--no-progress",
      description = "Do not draw the progress bar (default: ${DEFAULT-VALUE}).")
  boolean noProgress;

  @Override
  public Integer call() {
    ModelConfig config = model.toConfig();
    new LocalRun(
            config,
            train.toConfig(config),
            train.batch(),
            corpus.files(),
            tokensPerDomain.orNull(),
            steps,
            Long.MAX_VALUE,
            !noProgress,
            json,
            "train")
        .on(device.resolve())
        .dispatching(dispatch.dispatch())
        .initialisedFrom(initFrom.read(config))
        .exportingTo(export)
        .computing(precision.choice())
        .execute(spec.commandLine().getOut());
    return 0;
  }
}
