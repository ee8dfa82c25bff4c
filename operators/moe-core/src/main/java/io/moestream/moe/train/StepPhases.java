package io.moestream.moe.train;

import java.util.List;

/**
 * Where one step's wall time went, measured on the host thread that drives it.
 *
 * <p>On the CPU each phase is its own work. On an asynchronous device (a GPU) a phase is the time
 * to launch its kernels, except where the host waits for a read: the forward pass waits for each
 * layer's routing decisions, and the optimizer phase, whose one read of the step's results waits
 * for everything still queued — so the backward pass's kernels mostly count there.
 *
 * @param forwardNanos the policy's plan and the forward pass, the routing reads included
 * @param backwardNanos the backward pass
 * @param optimizerNanos gathering the gradients, the step's one read of its results, the update
 * @param releaseNanos freeing the step's tensors (its scope and manager closing)
 * @param lifecycleNanos the expert-set policy after the update (DynMoE's prunes and spawns, the
 *     budget controller, EvoMoE's stages)
 */
public record StepPhases(
    long forwardNanos,
    long backwardNanos,
    long optimizerNanos,
    long releaseNanos,
    long lifecycleNanos) {

  /** For a step whose phases were not measured (a result made by hand, in a test). */
  public static final StepPhases UNMEASURED = new StepPhases(0, 0, 0, 0, 0);

  /** The phases' names, as {@code bench train} reports them, in the order of {@link #nanos}. */
  public static final List<String> NAMES =
      List.of("forward", "backward", "optimizer", "release", "lifecycle");

  /** Each phase's nanoseconds, in the order of {@link #NAMES}. */
  public long[] nanos() {
    return new long[] {forwardNanos, backwardNanos, optimizerNanos, releaseNanos, lifecycleNanos};
  }
}
