package io.moestream.moe.config;

import io.moestream.moe.lifecycle.RecordingWindow;

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
    double thresholdLrScale)
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
  }

  /**
   * Defaults for streaming: lr 3e-3, betas (0.9, 0.99), weight decay 0.01, clip 1.0, and a
   * recording window of 50 steps every 100 from step 100 — shorter than the official 300/900
   * because a stream must react to drift within minutes, not hours; spawning on any unrouted token
   * (DESIGN §2.1) and the thresholds learning at the model's rate.
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
        1);
  }

  public TrainConfig withWindow(RecordingWindow w) {
    return new TrainConfig(
        learningRate,
        beta1,
        beta2,
        eps,
        weightDecay,
        gradClip,
        seed,
        w,
        spawnPolicy,
        spawnMinUnrouted,
        thresholdLrScale);
  }

  public TrainConfig withSpawnPolicy(SpawnPolicy p) {
    return new TrainConfig(
        learningRate,
        beta1,
        beta2,
        eps,
        weightDecay,
        gradClip,
        seed,
        window,
        p,
        spawnMinUnrouted,
        thresholdLrScale);
  }

  public TrainConfig withLearningRate(double lr) {
    return new TrainConfig(
        lr,
        beta1,
        beta2,
        eps,
        weightDecay,
        gradClip,
        seed,
        window,
        spawnPolicy,
        spawnMinUnrouted,
        thresholdLrScale);
  }

  public TrainConfig withSeed(long s) {
    return new TrainConfig(
        learningRate,
        beta1,
        beta2,
        eps,
        weightDecay,
        gradClip,
        s,
        window,
        spawnPolicy,
        spawnMinUnrouted,
        thresholdLrScale);
  }

  public TrainConfig withThresholdLrScale(double scale) {
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
        scale);
  }

  public TrainConfig withSpawnMinUnrouted(double share) {
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
        share,
        thresholdLrScale);
  }
}
