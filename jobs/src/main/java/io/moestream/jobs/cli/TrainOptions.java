package io.moestream.jobs.cli;

import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.config.SpawnPolicy;
import io.moestream.moe.config.TrainConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Optimizer, batch and DynMoE-lifecycle flags shared by every training command. Defaults are {@link
 * TrainConfig#defaults}'s, repeated here only so that {@code --help} can show them.
 */
public final class TrainOptions {
  @Option(
      names = "--batch",
      paramLabel = "N",
      defaultValue = "8",
      description = "Sequences per training step (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--lr",
      paramLabel = "RATE",
      defaultValue = "3e-3",
      description = "AdamW learning rate (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(
      names = "--seed",
      paramLabel = "N",
      defaultValue = "1",
      description = "Seed of initialisation and random spawns (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--window-start",
      paramLabel = "STEP",
      defaultValue = "100",
      description =
          "Step at which DynMoE's first recording window opens (default: ${DEFAULT-VALUE}).")
  long windowStart;

  @Option(
      names = "--window-length",
      paramLabel = "STEPS",
      defaultValue = "50",
      description =
          "Steps a recording window lasts; prune/spawn runs at its end (default: ${DEFAULT-VALUE}).")
  long windowLength;

  @Option(
      names = "--window-period",
      paramLabel = "STEPS",
      defaultValue = "100",
      description = "Steps between window starts (default: ${DEFAULT-VALUE}).")
  long windowPeriod;

  @Option(
      names = "--spawn-policy",
      paramLabel = "POLICY",
      defaultValue = "copy-nearest",
      converter = Converters.Spawn.class,
      description =
          "How a spawned expert starts: copy-nearest, random or evolve (default: ${DEFAULT-VALUE}).")
  SpawnPolicy spawnPolicy;

  @Mixin KBudgetOptions budget = new KBudgetOptions();

  public int batch() {
    if (batch < 1) {
      throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
    }
    return batch;
  }

  /** The trainer config; throws IllegalArgumentException naming the offending value. */
  public TrainConfig toConfig() {
    return TrainConfig.defaults(seed)
        .withLearningRate(lr)
        .withWindow(new RecordingWindow(windowStart, windowLength, windowPeriod))
        .withSpawnPolicy(spawnPolicy)
        .withBudget(budget.toBudget());
  }
}
