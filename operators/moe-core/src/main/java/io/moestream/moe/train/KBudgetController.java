package io.moestream.moe.train;

import ai.djl.ndarray.NDArray;
import io.moestream.moe.config.KBudget;
import io.moestream.moe.model.LayerStats;
import io.moestream.moe.tensor.Autograd;
import io.moestream.moe.tensor.HostFloats;

/**
 * The {@link KBudget} controller: after each finite optimizer step it moves every active threshold
 * of a layer by the same amount, up when the layer ran more experts per token than the target and
 * down when fewer (the bias update of auxiliary-loss-free balancing, DeepSeek arXiv 2408.15664,
 * with the layer's average k as the measured load, and the error itself, clipped, in place of its
 * sign):
 *
 * <pre>
 * k̄_l = pairs_l / tokens_l                           (host statistics the step already has)
 * G_{l,e} ← G_{l,e} + u · clip(k̄_l − K, −1, 1)       for the active slots e of layer l
 * </pre>
 *
 * The error rather than its sign: G is then the integral of the errors, so over any stretch in
 * which G comes back to where it was, the steps' k̄ average to K exactly — the budget is on the
 * mean (what the FLOPs add up to); a sign rule holds the median, and k̄'s upward bursts after a
 * spawn put the mean above it (measured: 1.79 for K = 1.7). The clip bounds a burst's move to u.
 *
 * <p>The shifted thresholds are then clamped to {@code [−1 − u, 1 + u]}: a token fires on expert e
 * exactly when {@code cos(x, w_e) > G_e} (the gate compares {@code sigmoid(cos)} with {@code
 * sigmoid(G)}), so outside [−1, 1] G changes no decision. Without the clamp, a layer with fewer
 * active experts than K (every token already on every expert, k̄ < K forever) would push G down
 * every step without end, and back up as slowly once experts are spawned or K is met.
 *
 * <p>A common shift keeps the thresholds' learned differences (the gradient still shapes them), so
 * a token still fires on every expert whose score clears its threshold: the controller sets the
 * layer's level, not any token's k. It reads nothing from the device and keeps no state.
 */
public final class KBudgetController {
  private KBudgetController() {}

  /**
   * The shift of a layer's thresholds for one step: {@code u · clip(k̄ − K, −1, 1)}; 0 when the
   * layer saw no token.
   */
  public static double shift(double avgK, long tokens, KBudget budget) {
    if (tokens == 0 || !budget.enabled()) {
      return 0;
    }
    return budget.step() * Math.max(-1, Math.min(1, avgK - budget.target()));
  }

  /** How far past ±1 (where it stops changing decisions) a threshold may be moved: ±(1 + u). */
  public static double bound(KBudget budget) {
    return 1 + budget.step();
  }

  /**
   * Applies {@link #shift} to one layer's thresholds, in place, without a gradient, then clamps
   * them to ±{@link #bound}.
   *
   * @param thresholds (E,) raw thresholds G of the layer
   * @param active the layer's active slots: only they are shifted (the clamp applies to every slot;
   *     an inactive one's threshold means nothing until a spawn resets it)
   * @return the shift applied
   */
  public static double apply(
      NDArray thresholds, boolean[] active, LayerStats stats, KBudget budget) {
    double delta = shift(stats.avgK(), stats.tokens(), budget);
    if (delta == 0) {
      return 0;
    }
    float[] d = new float[active.length];
    for (int e = 0; e < d.length; e++) {
      d[e] = active[e] ? (float) delta : 0f;
    }
    Autograd.noGrad(
        () -> {
          NDArray step = HostFloats.of(thresholds.getManager(), d, thresholds.getDataType());
          thresholds.addi(step);
          step.close();
          double b = bound(budget);
          NDArray clamped = thresholds.clip(-b, b);
          thresholds.subi(thresholds.sub(clamped)); // in place: G ← clip(G); a no-op inside
          clamped.close();
        });
    return delta;
  }
}
