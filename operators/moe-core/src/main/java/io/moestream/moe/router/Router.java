package io.moestream.moe.router;

import ai.djl.ndarray.NDArray;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Rng;

/**
 * Decides, per token, which experts of one MoE layer run and with what weight.
 *
 * <p>Implementations hold no tensors: their parameters live in the {@link ParameterStore} under
 * {@code layers.<l>.moe.gate.*} (DynMoE) or {@code layers.<l>.moe.router.*} (softmax routers), so
 * snapshots, optimizers and lifecycle code see one uniform set of named tensors.
 */
public interface Router {

  /** Registers this router's parameters for MoE layer {@code layer}, drawing from {@code rng}. */
  void register(ParameterStore store, int layer, int dModel, Rng rng);

  /**
   * Routes one batch.
   *
   * @param x (T, d) the tokens entering the MoE layer (after the pre-norm)
   * @param active which expert slots exist now (length E, the router's slot count)
   * @param training training routing (DynMoE: straight-through gate, k = 0 allowed) or inference
   * @param step the optimizer step (for annealed loss weights)
   */
  Routing route(
      NDArray x, ParameterStore store, int layer, boolean[] active, boolean training, long step);

  /**
   * Routes one batch whose tokens carry a modality (the record's {@code domain}/{@code modality},
   * mapped to an id by {@link io.moestream.moe.config.ModalityMap}). Routers that do not look at
   * modality ignore it; the DTR router picks each token's hypernetwork by it.
   *
   * @param modality (T,) modality id per token, or null for "all the shared default (0)"
   */
  default Routing route(
      NDArray x,
      ParameterStore store,
      int layer,
      boolean[] active,
      boolean training,
      long step,
      int[] modality) {
    return route(x, store, layer, active, training, step);
  }

  /** Number of expert slots the combine weights address (DynMoE: E_max). */
  int slots();
}
