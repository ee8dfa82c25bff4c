package io.moestream.jobs.cli;

import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.config.RouterKind;
import io.moestream.moe.config.SpawnPolicy;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.config.WindowSpan;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Optimizer, batch and DynMoE-lifecycle flags shared by every training command. Defaults are {@link
 * TrainConfig#defaults}'s, repeated here only so that {@code --help} can show them — except the two
 * evidence gates, {@code --spawn-min-unrouted} and {@code --prune-max-share}: the library's
 * defaults are the official DynMoE rules (0, 0; the conformance cases), the commands' are chosen
 * from {@code bench drift} (docs/decisions.md, "Issue 16 point 2"). The {@code --window-*} spans
 * take steps (a bare number) or tokens ({@code 25600tokens}, routed tokens: batch × ctx a step).
 */
public final class TrainOptions {
  /** {@code --spawn-min-unrouted}'s default: measured, see docs/decisions.md. */
  public static final String SPAWN_MIN_UNROUTED = "0.02";

  /** {@code --prune-max-share}'s default: measured, see docs/decisions.md. */
  public static final String PRUNE_MAX_SHARE = "0.05";

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
      paramLabel = "SPAN",
      defaultValue = "100",
      converter = Converters.Span.class,
      description =
          "Where DynMoE's first recording window opens: N steps, or Ntokens (routed tokens,"
              + " batch x ctx a step, rounded up to whole steps) (default: ${DEFAULT-VALUE}).")
  WindowSpan windowStart;

  @Option(
      names = "--window-length",
      paramLabel = "SPAN",
      defaultValue = "50",
      converter = Converters.Span.class,
      description =
          "How long a recording window lasts, in steps or Ntokens; prune/spawn runs at its end"
              + " (default: ${DEFAULT-VALUE}).")
  WindowSpan windowLength;

  @Option(
      names = "--window-period",
      paramLabel = "SPAN",
      defaultValue = "100",
      converter = Converters.Span.class,
      description =
          "Distance between window starts, in steps or Ntokens (default: ${DEFAULT-VALUE}).")
  WindowSpan windowPeriod;

  @Option(
      names = "--spawn-min-unrouted",
      paramLabel = "SHARE",
      defaultValue = SPAWN_MIN_UNROUTED,
      description =
          "DynMoE spawns an expert only when at least this share of a recording window's tokens"
              + " went to no expert; 0 is the official rule, any unrouted token; other routers"
              + " ignore it (default: ${DEFAULT-VALUE}).")
  double spawnMinUnrouted;

  @Option(
      names = "--prune-max-share",
      paramLabel = "SHARE",
      defaultValue = PRUNE_MAX_SHARE,
      description =
          "DynMoE also prunes an expert whose share of a window's token-expert assignments is"
              + " below this (never a layer's most-used expert, nor one spawned since the window"
              + " began); 0 is the official rule, only unused experts; other routers ignore it"
              + " (default: ${DEFAULT-VALUE}).")
  double pruneMaxShare;

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

  /**
   * The trainer config for {@code model} (whose ctx turns window spans in tokens into steps);
   * throws IllegalArgumentException naming the offending value.
   */
  public TrainConfig toConfig(ModelConfig model) {
    if (!(spawnMinUnrouted >= 0 && spawnMinUnrouted < 1)) {
      throw new IllegalArgumentException(
          "--spawn-min-unrouted must be in [0, 1), got " + spawnMinUnrouted);
    }
    if (!(pruneMaxShare >= 0 && pruneMaxShare < 1)) {
      throw new IllegalArgumentException(
          "--prune-max-share must be in [0, 1), got " + pruneMaxShare);
    }
    // Only DynMoE has a lifecycle: another router keeps the library's 0/0, so its stored config,
    // config hash and restore check stay what they were before the gates existed.
    boolean dynMoe = model.router().kind() == RouterKind.DYNMOE;
    return TrainConfig.defaults(seed)
        .withLearningRate(lr)
        .withWindow(window(model))
        .withSpawnPolicy(spawnPolicy)
        .withSpawnMinUnrouted(dynMoe ? spawnMinUnrouted : 0)
        .withPruneMaxShare(dynMoe ? pruneMaxShare : 0)
        .withBudget(budget.toBudget());
  }

  /** The recording window in steps: spans in tokens at {@code batch × ctx} routed tokens a step. */
  private RecordingWindow window(ModelConfig model) {
    return RecordingWindow.of(
        windowStart, windowLength, windowPeriod, (long) batch() * model.ctx());
  }
}
