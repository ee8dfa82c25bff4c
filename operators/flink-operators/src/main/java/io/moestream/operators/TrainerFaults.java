package io.moestream.operators;

import java.io.Serializable;

/**
 * Failure-injection points inside the trainer, so crash-equivalence tests can fail the job where it
 * hurts most — in the middle of training and in the middle of a checkpoint's state write — the way
 * Flink's own tests inject failures into their operators. Production jobs use {@link #NONE}.
 *
 * <p>A Flink restart deserializes a fresh copy of the operator (and of this object), so an
 * implementation that must fail only once keeps its memory outside the instance.
 */
public interface TrainerFaults extends Serializable {

  /** Never fails. */
  TrainerFaults NONE = new TrainerFaults() {};

  /** Called before training step {@code step} (1-based) of model {@code modelId}. */
  default void beforeStep(String modelId, long step) throws Exception {}

  /**
   * Called inside checkpoint {@code checkpointId}'s state write, after {@code modelsWritten} models
   * of this subtask were written into keyed state (so the rest are not yet).
   */
  default void duringStateWrite(long checkpointId, int modelsWritten) throws Exception {}

  /**
   * Called when model {@code modelId} was rebuilt from keyed state (after a restart or a restore),
   * at training step {@code step}: lets a test see that a restart restored real state.
   */
  default void restored(String modelId, long step) {}
}
