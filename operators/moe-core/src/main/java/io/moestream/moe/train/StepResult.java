package io.moestream.moe.train;

import io.moestream.moe.lifecycle.ExpertChange;
import java.util.List;

/**
 * What one training step did — immutable, host values only.
 *
 * @param step the step's index (0-based; the trainer's counter is {@code step + 1} afterwards)
 * @param tokens tokens scored and trained on
 * @param prequentialLoss mean next-token cross-entropy of the batch, computed before the model
 *     trained on it
 * @param auxLoss the weighted auxiliary loss added to it
 * @param gradNorm global gradient norm before clipping
 * @param skipped true when the loss or a gradient was not finite: no update was applied and the
 *     step's routing was not recorded
 * @param avgK average experts per token, per layer
 * @param activeExperts active expert slots per layer after the step (and its lifecycle)
 * @param expertPairs (token, expert) pairs computed, summed over layers: expert FLOPs / token ∝
 *     expertPairs / tokens
 * @param expertTokens per layer, tokens each expert slot processed in this step (activation
 *     frequency)
 * @param changes lifecycle changes applied after this step's update (empty most steps)
 * @param nanos wall time of the step
 * @param spawnsRefusedNoSlot layers whose lifecycle after this step refused a spawn because every
 *     slot was active ({@link io.moestream.moe.lifecycle.SpawnRefusal#NO_FREE_SLOT})
 * @param spawnsRefusedNonFinite layers whose lifecycle after this step refused a spawn because R_S
 *     / ||R_S|| was not finite ({@link
 *     io.moestream.moe.lifecycle.SpawnRefusal#NON_FINITE_DIRECTION})
 * @param phases where {@code nanos} went
 */
public record StepResult(
    long step,
    int tokens,
    double prequentialLoss,
    double auxLoss,
    double gradNorm,
    boolean skipped,
    double[] avgK,
    int[] activeExperts,
    long expertPairs,
    long[][] expertTokens,
    List<ExpertChange> changes,
    long nanos,
    int spawnsRefusedNoSlot,
    int spawnsRefusedNonFinite,
    StepPhases phases) {

  public StepResult {
    avgK = avgK.clone();
    activeExperts = activeExperts.clone();
    changes = List.copyOf(changes);
    expertTokens = deepCopy(expertTokens);
  }

  @Override
  public long[][] expertTokens() {
    return deepCopy(expertTokens);
  }

  private static long[][] deepCopy(long[][] a) {
    long[][] c = new long[a.length][];
    for (int i = 0; i < a.length; i++) {
      c[i] = a[i].clone();
    }
    return c;
  }

  @Override
  public double[] avgK() {
    return avgK.clone();
  }

  @Override
  public int[] activeExperts() {
    return activeExperts.clone();
  }

  public double tokensPerSecond() {
    return nanos == 0 ? 0 : tokens * 1e9 / nanos;
  }
}
