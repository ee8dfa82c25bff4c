package io.moestream.moe.router;

import ai.djl.ndarray.NDArray;
import io.moestream.moe.tensor.ParameterStore;

/**
 * A router that reads each token's modality; called without modalities it routes every token as the
 * shared default modality 0.
 */
abstract class ModalityRouter implements Router {

  @Override
  public final Routing route(
      NDArray x, ParameterStore store, int layer, boolean[] active, boolean training, long step) {
    return route(x, store, layer, active, training, step, null);
  }

  @Override
  public abstract Routing route(
      NDArray x,
      ParameterStore store,
      int layer,
      boolean[] active,
      boolean training,
      long step,
      int[] modality);
}
