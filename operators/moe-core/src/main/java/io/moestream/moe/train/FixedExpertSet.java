package io.moestream.moe.train;

import io.moestream.moe.lifecycle.RoutingRecords;
import io.moestream.moe.model.LayerStats;
import java.util.List;

/**
 * The expert set of routers that never change it (top-k, top-p, null experts, dense): every
 * parameter trains every step, no routing is recorded, nothing changes after a step.
 */
final class FixedExpertSet implements ExpertSetPolicy {
  private final RoutingRecords[] records;

  FixedExpertSet(ExpertSetContext parts) {
    this.records = parts.emptyRecords();
  }

  @Override
  public StepPlan plan(long step) {
    return StepPlan.trainAll();
  }

  @Override
  public ExpertSetChanges afterStep(
      long step, StepPlan plan, List<LayerStats> routing, boolean finite) {
    return ExpertSetChanges.none();
  }

  @Override
  public RoutingRecords[] records() {
    return records;
  }
}
