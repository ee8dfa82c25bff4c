package io.moestream.moe.config;

import java.util.function.Consumer;

/**
 * Optimizer and training-loop settings, validated once.
 *
 * @param learningRate AdamW learning rate
 * @param beta1 AdamW first-moment decay
 * @param beta2 AdamW second-moment decay
 * @param eps AdamW epsilon
 * @param weightDecay decoupled weight decay (not applied to biases, norms, gate thresholds)
 * @param gradClip global gradient-norm clip (0 = off)
 * @param seed seed for every random choice (initialisation, random spawns)
 * @param window DynMoE recording window
 * @param spawnPolicy initialisation of a spawned expert's FFN
 * @param spawnMinUnrouted DynMoE spawns only when at least this share of a window's tokens was
 *     routed nowhere; 0 (the design's rule, the default) spawns on any unrouted token
 * @param thresholdLrScale the DynMoE thresholds G learn at {@code learningRate × this} (1, the
 *     default, is the design's single learning rate; 0 freezes them)
 * @param pruneMaxShare DynMoE also prunes an expert whose usage share in a window — its R_E over
 *     the layer's token→expert assignments, Σ R_E — is below this (see {@code Lifecycle}); 0 (the
 *     design's rule, the default) prunes only experts no token activated
 * @param budget DynMoE's compute budget and training-gate options ({@link KBudget#off()}, the
 *     default, is DynMoE as specified); null (a config serialised before the field existed) reads
 *     as off
 */
public record TrainConfig(
    double learningRate,
    double beta1,
    double beta2,
    double eps,
    double weightDecay,
    double gradClip,
    long seed,
    RecordingWindow window,
    SpawnPolicy spawnPolicy,
    double spawnMinUnrouted,
    double thresholdLrScale,
    double pruneMaxShare,
    KBudget budget)
    implements java.io.Serializable {

  public TrainConfig {
    RouterConfig.require(learningRate > 0 && Double.isFinite(learningRate), "lr must be > 0");
    RouterConfig.require(beta1 >= 0 && beta1 < 1, "beta1 must be in [0, 1)");
    RouterConfig.require(beta2 >= 0 && beta2 < 1, "beta2 must be in [0, 1)");
    RouterConfig.require(eps > 0, "eps must be > 0");
    RouterConfig.require(weightDecay >= 0, "weight decay must be >= 0");
    RouterConfig.require(gradClip >= 0, "grad clip must be >= 0");
    RouterConfig.require(window != null, "recording window is required");
    RouterConfig.require(spawnPolicy != null, "spawn policy is required");
    RouterConfig.require(
        spawnMinUnrouted >= 0 && spawnMinUnrouted < 1,
        "minimum unrouted share for a spawn must be in [0, 1), got " + spawnMinUnrouted);
    RouterConfig.require(
        thresholdLrScale >= 0 && Double.isFinite(thresholdLrScale),
        "threshold learning-rate scale must be finite and >= 0, got " + thresholdLrScale);
    RouterConfig.require(
        pruneMaxShare >= 0 && pruneMaxShare < 1,
        "maximum usage share for a prune must be in [0, 1), got " + pruneMaxShare);
    budget = budget == null ? KBudget.off() : budget;
  }

  /** The settings of the eleven-field record, before {@link #pruneMaxShare} and {@link #budget}. */
  public TrainConfig(
      double learningRate,
      double beta1,
      double beta2,
      double eps,
      double weightDecay,
      double gradClip,
      long seed,
      RecordingWindow window,
      SpawnPolicy spawnPolicy,
      double spawnMinUnrouted,
      double thresholdLrScale) {
    this(
        learningRate,
        beta1,
        beta2,
        eps,
        weightDecay,
        gradClip,
        seed,
        window,
        spawnPolicy,
        spawnMinUnrouted,
        thresholdLrScale,
        0,
        KBudget.off());
  }

  /**
   * The record's usual text, with {@code pruneMaxShare} and {@code budget} only when they are not 0
   * / off: a config hash taken over this text (the trainer operator's) stays what it was for every
   * run without either.
   */
  @Override
  public String toString() {
    String base =
        "TrainConfig[learningRate="
            + learningRate
            + ", beta1="
            + beta1
            + ", beta2="
            + beta2
            + ", eps="
            + eps
            + ", weightDecay="
            + weightDecay
            + ", gradClip="
            + gradClip
            + ", seed="
            + seed
            + ", window="
            + window
            + ", spawnPolicy="
            + spawnPolicy
            + ", spawnMinUnrouted="
            + spawnMinUnrouted
            + ", thresholdLrScale="
            + thresholdLrScale;
    return base
        + (pruneMaxShare == 0 ? "" : ", pruneMaxShare=" + pruneMaxShare)
        + (budget.equals(KBudget.off()) ? "" : ", budget=" + budget)
        + "]";
  }

  /**
   * Defaults for streaming: lr 3e-3, betas (0.9, 0.99), weight decay 0.01, clip 1.0, and a
   * recording window of 50 steps every 100 from step 100 — shorter than the official 300/900
   * because a stream must react to drift within minutes, not hours; spawning on any unrouted token
   * and pruning only experts no token used (DESIGN §2.1, the official rules — the CLI's defaults
   * gate both on evidence, see {@code jobs.cli.TrainOptions}) and the thresholds learning at the
   * model's rate.
   */
  public static TrainConfig defaults(long seed) {
    return new TrainConfig(
        3e-3,
        0.9,
        0.99,
        1e-8,
        0.01,
        1.0,
        seed,
        new RecordingWindow(100, 50, 100),
        SpawnPolicy.COPY_NEAREST,
        0,
        1,
        0,
        KBudget.off());
  }

  public TrainConfig withWindow(RecordingWindow w) {
    return copy(c -> c.window = w);
  }

  public TrainConfig withSpawnPolicy(SpawnPolicy p) {
    return copy(c -> c.spawnPolicy = p);
  }

  public TrainConfig withLearningRate(double lr) {
    return copy(c -> c.learningRate = lr);
  }

  public TrainConfig withSeed(long s) {
    return copy(c -> c.seed = s);
  }

  public TrainConfig withThresholdLrScale(double scale) {
    return copy(c -> c.thresholdLrScale = scale);
  }

  public TrainConfig withSpawnMinUnrouted(double share) {
    return copy(c -> c.spawnMinUnrouted = share);
  }

  public TrainConfig withPruneMaxShare(double share) {
    return copy(c -> c.pruneMaxShare = share);
  }

  /** These settings under DynMoE compute budget {@code b} ({@link KBudget#off()} removes it). */
  public TrainConfig withBudget(KBudget b) {
    return copy(c -> c.budget = b);
  }

  /** These settings with what {@code change} sets on a mutable copy of them (validated again). */
  private TrainConfig copy(Consumer<Draft> change) {
    Draft d = new Draft(this);
    change.accept(d);
    return d.build();
  }

  /** The components of a {@link TrainConfig} being copied, one of them changed. */
  private static final class Draft {
    double learningRate;
    double beta1;
    double beta2;
    double eps;
    double weightDecay;
    double gradClip;
    long seed;
    RecordingWindow window;
    SpawnPolicy spawnPolicy;
    double spawnMinUnrouted;
    double thresholdLrScale;
    double pruneMaxShare;
    KBudget budget;

    Draft(TrainConfig c) {
      learningRate = c.learningRate;
      beta1 = c.beta1;
      beta2 = c.beta2;
      eps = c.eps;
      weightDecay = c.weightDecay;
      gradClip = c.gradClip;
      seed = c.seed;
      window = c.window;
      spawnPolicy = c.spawnPolicy;
      spawnMinUnrouted = c.spawnMinUnrouted;
      thresholdLrScale = c.thresholdLrScale;
      pruneMaxShare = c.pruneMaxShare;
      budget = c.budget;
    }

    TrainConfig build() {
      return new TrainConfig(
          learningRate,
          beta1,
          beta2,
          eps,
          weightDecay,
          gradClip,
          seed,
          window,
          spawnPolicy,
          spawnMinUnrouted,
          thresholdLrScale,
          pruneMaxShare,
          budget);
    }
  }
}
