package io.moestream.moe.tensor;

import ai.djl.ndarray.NDArray;

/**
 * One trainable tensor and its place in the model.
 *
 * @param name stable dotted name, e.g. {@code layers.0.moe.experts.3.w1} (used by snapshots)
 * @param value the tensor; owned by the model's long-lived manager
 * @param layer the MoE layer it belongs to, or -1
 * @param slot the expert slot it belongs to, or -1 for shared tensors
 * @param slotAxis for gate tensors whose last axis indexes expert slots ({@code sim_matrix}, {@code
 *     thresholds}): true; then optimizer state and masking are applied per column
 * @param decay whether decoupled weight decay applies (matrices yes; biases, norms, thresholds no)
 */
public record Param(
    String name, NDArray value, int layer, int slot, boolean slotAxis, boolean decay) {

  public boolean isExpertSlot() {
    return slot >= 0;
  }
}
