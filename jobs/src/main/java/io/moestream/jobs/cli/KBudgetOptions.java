package io.moestream.jobs.cli;

import io.moestream.moe.config.KBudget;
import picocli.CommandLine.Option;

/**
 * DynMoE's compute budget ({@link KBudget}): part of {@link TrainOptions}, so every command that
 * trains a model offers the same flags. Without them DynMoE trains exactly as specified.
 */
public final class KBudgetOptions {
  @Option(
      names = "--k-target",
      paramLabel = "K",
      description =
          "DynMoE only: hold each layer's average experts per token near K (> 0, at most --emax)"
              + " by moving the gate thresholds after every step; tokens still choose how many"
              + " experts they use. Turns on --train-fallback. Default: no budget.")
  Double target;

  @Option(
      names = "--k-target-step",
      paramLabel = "U",
      description =
          "The --k-target controller's gain: the thresholds move U x (average k - K) per step,"
              + " the difference clipped to [-1, 1], in logit units (default: "
              + KBudget.DEFAULT_STEP
              + ").")
  Double step;

  @Option(
      names = "--train-fallback",
      negatable = true,
      description =
          "DynMoE only: in training, a token whose gate activates no expert runs its best-scoring"
              + " expert with weight 1, as inference does (default: on with --k-target, else"
              + " off).")
  Boolean fallback;

  @Option(
      names = "--straight-through-k",
      description =
          "DynMoE only: keep the gradient of k, the divisor of the combine weights (DynMoE"
              + " detaches it).")
  boolean straightThrough;

  /** The budget the flags ask for; {@link KBudget#off()} when none is given. */
  public KBudget toBudget() {
    if (step != null && target == null) {
      throw new IllegalArgumentException("--k-target-step needs --k-target");
    }
    if (target != null && !(target > 0)) {
      throw new IllegalArgumentException("--k-target must be > 0, got " + target);
    }
    return new KBudget(
        target == null ? 0 : target,
        step == null ? KBudget.DEFAULT_STEP : step,
        fallback == null ? target != null : fallback,
        straightThrough);
  }
}
