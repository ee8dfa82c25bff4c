package io.moestream.moe.lifecycle;

/**
 * Why a recording window whose unrouted tokens asked for a new expert got none. A refusal changes
 * nothing in the model, so it is not an {@link ExpertChange} (nor a registry event); the trainer
 * counts it in its step result, the operator in a metric and the training summary.
 */
public enum SpawnRefusal {
  /** A spawn was asked for and none was refused (or none was asked for). */
  NONE,
  /** Every one of the E_max preallocated slots is active. */
  NO_FREE_SLOT,
  /**
   * R_S / ||R_S|| is not finite (an overflow in the recorded inputs): such a column must never
   * become part of the gate, a checkpointed parameter.
   */
  NON_FINITE_DIRECTION
}
