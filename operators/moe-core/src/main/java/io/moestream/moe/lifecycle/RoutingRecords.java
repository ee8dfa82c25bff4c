package io.moestream.moe.lifecycle;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import io.moestream.moe.router.SelectedExperts;
import io.moestream.moe.tensor.DeviceReads;
import java.util.Arrays;

/**
 * One MoE layer's routing records inside a recording window (DESIGN §2.1), kept on the host so no
 * tensor outlives a step: {@code R_E} (E,) tokens that activated each expert, {@code R_S} (d,) sum
 * of the raw inputs of tokens no expert took (k = 0), and the window's token counts.
 */
public final class RoutingRecords {
  private final long[] activations;
  private final double[] unroutedSum;
  private long tokens;
  private long unrouted;

  /** A step's R_S contribution still on the device (never saved; settled within the step). */
  private NDArray pendingSum;

  public RoutingRecords(int slots, int dModel) {
    this.activations = new long[slots];
    this.unroutedSum = new double[dModel];
  }

  /** Restores records from a snapshot. */
  public RoutingRecords(long[] activations, double[] unroutedSum, long tokens, long unrouted) {
    this.activations = activations.clone();
    this.unroutedSum = unroutedSum.clone();
    this.tokens = tokens;
    this.unrouted = unrouted;
  }

  /**
   * Adds one batch.
   *
   * @param x (T, d) the raw inputs of the MoE layer
   * @param selected host (T, E) 0/1 training-gate selections, row-major
   */
  public void record(NDArray x, float[] selected) {
    record(x, SelectedExperts.scan(selected, (int) x.getShape().get(0), activations.length));
  }

  /**
   * Adds one batch.
   *
   * @param x (T, d) the raw inputs of the MoE layer
   * @param selected the batch's training-gate selections
   */
  public void record(NDArray x, SelectedExperts selected) {
    recordDeferred(x, selected);
    if (pendingSum != null) {
      settle(DeviceReads.doubles(pendingSum));
    }
  }

  /**
   * As {@link #record(NDArray, SelectedExperts)}, but the batch's R_S contribution stays on the
   * device as {@link #pendingUnroutedSum()} until {@link #settle} adds its host values: the trainer
   * reads it together with the step's other results, in one transfer. Counts are added at once.
   */
  public void recordDeferred(NDArray x, SelectedExperts selected) {
    if (pendingSum != null) {
      throw new IllegalStateException("the previous batch's R_S sum was never settled");
    }
    for (int j = 0; j < activations.length; j++) {
      activations[j] += selected.tokensOf(j);
    }
    long[] zeroRows = selected.unroutedTokens();
    tokens += selected.tokens();
    unrouted += zeroRows.length;
    if (zeroRows.length > 0) {
      NDArray rows = x.get(new NDIndex("{}", x.getManager().create(zeroRows)));
      pendingSum = rows.sum(new int[] {0}); // (d,)
    }
  }

  /** (d,) the last deferred batch's sum of unrouted inputs, not read yet; null when none. */
  public NDArray pendingUnroutedSum() {
    return pendingSum;
  }

  /** Adds the host values of {@link #pendingUnroutedSum()} to R_S and drops the tensor. */
  public void settle(double[] sum) {
    if (pendingSum == null) {
      throw new IllegalStateException("no R_S sum is pending");
    }
    for (int i = 0; i < sum.length; i++) {
      unroutedSum[i] += sum[i];
    }
    pendingSum = null;
  }

  /**
   * Adds another set of records of the same layer — how a step's routing joins the window once the
   * step is known to be finite (a skipped step records nothing).
   */
  public void add(RoutingRecords other) {
    if (other.activations.length != activations.length
        || other.unroutedSum.length != unroutedSum.length) {
      throw new IllegalArgumentException("routing records of another layer shape");
    }
    for (int i = 0; i < activations.length; i++) {
      activations[i] += other.activations[i];
    }
    for (int i = 0; i < unroutedSum.length; i++) {
      unroutedSum[i] += other.unroutedSum[i];
    }
    tokens += other.tokens;
    unrouted += other.unrouted;
  }

  public void reset() {
    Arrays.fill(activations, 0);
    Arrays.fill(unroutedSum, 0);
    tokens = 0;
    unrouted = 0;
  }

  /** R_E (copy). */
  public long[] activations() {
    return activations.clone();
  }

  /** R_S (copy). */
  public double[] unroutedSum() {
    return unroutedSum.clone();
  }

  public long tokens() {
    return tokens;
  }

  public long unroutedTokens() {
    return unrouted;
  }

  public boolean unroutedSumIsZero() {
    for (double v : unroutedSum) {
      if (v != 0) {
        return false;
      }
    }
    return true;
  }
}
