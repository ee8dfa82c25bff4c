package io.moestream.moe.train;

import io.moestream.moe.config.EvoMoeConfig;
import io.moestream.moe.lifecycle.RoutingRecords;
import io.moestream.moe.model.LayerStats;
import java.util.List;

/**
 * How a model's set of experts evolves while it trains: what each step may train and which routing
 * it records, and what changes after the optimizer step. The trainer asks it twice per step and
 * never asks which router it serves:
 *
 * <pre>
 * plan = policy.plan(s)              before the forward pass
 * forward → backward → optimizer step (only plan.trainable(), routing into plan.recordInto())
 * changes = policy.afterStep(s, …)   after the update, also when the step was skipped
 * </pre>
 *
 * Implementations: {@link FixedExpertSet} (top-k, top-p, null experts, dense), {@link
 * DynMoeExpertSet} (recording window, prune and spawn) and {@link EvoMoeSchedule} (warm-up,
 * evolution, DTR). {@link ExpertSetPolicies#create} picks one beside the router. A policy changes
 * the model only through the {@link ExpertSetContext} it was created with, and only in {@link
 * #start} and {@link #afterStep}; every RNG draw it makes comes from the trainer's RNG, in the
 * order the trainer has always made them (the snapshot digests depend on it).
 */
public interface ExpertSetPolicy {

  /**
   * Once, when the trainer is created (inside an {@code NDScope}): bring a fresh model to the state
   * its schedule has at step 0.
   */
  default void start() {}

  /** Before step {@code step}'s forward pass: what it may train and where its routing goes. */
  StepPlan plan(long step);

  /**
   * After step {@code step}'s optimizer step (inside an {@code NDScope}).
   *
   * @param plan what {@link #plan} returned for this step
   * @param routing this step's routing statistics per layer
   * @param finite false when the step was skipped (non-finite loss or gradient): nothing of it may
   *     be recorded
   * @return the changes to the expert set, in the order applied
   */
  ExpertSetChanges afterStep(long step, StepPlan plan, List<LayerStats> routing, boolean finite);

  /**
   * The routing records kept between steps, one per layer, by reference: the snapshot saves and
   * restores them. A policy that records nothing keeps empty ones, so every snapshot has the same
   * layout.
   */
  RoutingRecords[] records();

  /** The stage of the schedule step {@code step} trains in; null for a policy without stages. */
  default EvoMoeConfig.Stage stage(long step) {
    return null;
  }
}
