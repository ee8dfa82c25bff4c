package io.moestream.moe.train;

import io.moestream.moe.lifecycle.RoutingRecords;
import io.moestream.moe.tensor.Param;
import java.util.function.Predicate;

/**
 * What one training step may do, as its {@link ExpertSetPolicy} planned it.
 *
 * @param trainable the parameters the optimizer updates this step (the others stay frozen)
 * @param recordInto fresh routing records per layer that the forward pass fills, or null when the
 *     step records no routing; the policy decides after the step whether they count
 */
public record StepPlan(Predicate<Param> trainable, RoutingRecords[] recordInto) {
  private static final StepPlan TRAIN_ALL = new StepPlan(p -> true, null);

  /** Every parameter trains, no routing is recorded. */
  public static StepPlan trainAll() {
    return TRAIN_ALL;
  }
}
