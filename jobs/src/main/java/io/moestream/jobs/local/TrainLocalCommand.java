package io.moestream.jobs.local;

import io.moestream.jobs.cli.ModelOptions;
import io.moestream.jobs.cli.TrainOptions;
import java.nio.file.Path;
import java.util.List;
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

  @Option(
      names = "--corpus",
      arity = "1..*",
      paramLabel = "FILE",
      description =
          "Text files, one domain each, trained in the order given (default: bundled corpus).")
  List<Path> corpus;

  @Option(
      names = "--steps",
      paramLabel = "N",
      defaultValue = "500",
      description =
          "Training steps; stops earlier if the corpus runs out (default: ${DEFAULT-VALUE}).")
  long steps;

  @Option(
      names = "--max-tokens-per-domain",
      paramLabel = "N",
      description = "Use only the first N tokens of each domain (default: all).")
  Long maxTokensPerDomain;

  @Option(
      names = "--json",
      paramLabel = "FILE",
      description = "Also write one JSON record per step to FILE (default: none).")
  Path json;

  @Option(
      names = "--no-progress",
      description = "Do not draw the progress bar (default: ${DEFAULT-VALUE}).")
  boolean noProgress;

  @Override
  public Integer call() {
    new LocalRun(
            model.toConfig(),
            train.toConfig(),
            train.batch(),
            corpus,
            maxTokensPerDomain,
            steps,
            Long.MAX_VALUE,
            !noProgress,
            json,
            "train")
        .execute(spec.commandLine().getOut());
    return 0;
  }
}
