package io.moestream.moe.config;

/**
 * DynMoE's compute budget ("budgeted top-any", issue 16): a controller on the gate thresholds G
 * holds each MoE layer's average experts per token near {@link #target} while every token still
 * chooses how many experts it uses, plus the two training-gate options that go with it.
 *
 * <p>The rule (see {@code KBudgetController}), after every finite optimizer step, per layer:
 *
 * <pre>
 * k̄ = (token, expert) pairs that ran / tokens         (the fallback's pairs included)
 * G_e ← G_e + step · clip(k̄ − target, −1, 1)         for every active slot e
 * </pre>
 *
 * the bias update of auxiliary-loss-free balancing (DeepSeek, arXiv 2408.15664) applied to the
 * thresholds, with the layer's average k in place of an expert's load and the error, clipped, in
 * place of its sign (so that the mean k is held, not the median). It keeps no state of its own: G
 * is already a trained, saved parameter.
 *
 * @param target the average k to hold per layer; 0 means no budget (plain DynMoE)
 * @param step the controller's gain: G moves {@code step × clip(k̄ − target, −1, 1)} per step
 *     (logit units; {@link #DEFAULT_STEP})
 * @param fallback during training, a token whose gate activates no expert runs its best-scoring
 *     active expert with weight 1 (inference always does)
 * @param straightThrough k, the divisor of the combine weights, keeps its straight-through gradient
 *     instead of being detached (DynMoE detaches it)
 */
public record KBudget(double target, double step, boolean fallback, boolean straightThrough)
    implements java.io.Serializable {

  /**
   * Default controller gain: G moves 0.1 × (k̄ − K) a step, at most 0.1. On {@code bench drift} (K
   * = 1.7, 460 steps, 2 seeds) 0.1 held the layers' mean k at 1.72–1.73 with a per-step spread of
   * 0.13–0.16; 0.05 settled at 1.73–1.74, 0.02 at 1.77–1.79 (one seed; the thresholds' own gradient
   * is a steady push that a proportional gain answers with an offset of push / gain), and 0.2
   * overshot (1.82 on one layer). Loss differences between them were within the seeds' spread.
   */
  public static final double DEFAULT_STEP = 0.1;

  /**
   * The {@link #step} every budget without a target carries, whatever {@link #DEFAULT_STEP}
   * becomes: the gain means nothing without a target, and a stored or hashed config without a
   * budget must not change when the default gain is tuned (snapshots store this value; restore
   * checks compare it).
   */
  static final double UNUSED_STEP = 0.1;

  public KBudget {
    if (target == 0) {
      step = UNUSED_STEP;
    }
    RouterConfig.require(
        target == 0 || (target > 0 && Double.isFinite(target)),
        "--k-target must be > 0, got " + target);
    RouterConfig.require(
        step > 0 && Double.isFinite(step), "--k-target-step must be > 0, got " + step);
    RouterConfig.require(
        !(fallback && target > 0 && target < 1),
        "--k-target must be >= 1 with the training top-1 fallback (every token runs at least one"
            + " expert), got "
            + target);
  }

  /** No budget, no fallback, k detached: DynMoE exactly as specified. */
  public static KBudget off() {
    return new KBudget(0, UNUSED_STEP, false, false);
  }

  /** A budget of {@code target} experts per token, the training fallback on, k detached. */
  public static KBudget of(double target) {
    RouterConfig.require(target > 0, "--k-target must be > 0, got " + target);
    return new KBudget(target, DEFAULT_STEP, true, false);
  }

  /** Whether the controller runs. */
  public boolean enabled() {
    return target > 0;
  }

  /** Whether anything differs from {@link #off()}: the training gate or the thresholds. */
  public boolean changesTraining() {
    return enabled() || fallback || straightThrough;
  }

  public KBudget withStep(double s) {
    return new KBudget(target, s, fallback, straightThrough);
  }

  public KBudget withFallback(boolean f) {
    return new KBudget(target, step, f, straightThrough);
  }

  public KBudget withStraightThrough(boolean st) {
    return new KBudget(target, step, fallback, st);
  }

  /**
   * Refuses a budget the router cannot honour: only DynMoE has thresholds, and a layer cannot
   * average more experts than it has slots.
   *
   * @throws IllegalArgumentException naming the flag
   */
  public void requireFits(RouterConfig router) {
    if (!changesTraining()) {
      return;
    }
    RouterConfig.require(
        router.kind() == RouterKind.DYNMOE,
        "--k-target, --train-fallback and --straight-through-k need --router dynmoe, not "
            + router.kind().cliName());
    RouterConfig.require(
        target <= router.maxExperts(),
        "--k-target " + target + " exceeds the " + router.maxExperts() + " expert slots (--emax)");
  }
}
