package io.moestream.moe.train;

import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.lifecycle.RoutingRecords;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Rng;

/**
 * The parts of a trainer an {@link ExpertSetPolicy} may change: parameters, optimizer moments,
 * active-slot masks (by reference) and the trainer's RNG.
 *
 * @param slots expert slots per layer (the router's)
 */
record ExpertSetContext(
    ModelConfig model,
    TrainConfig train,
    int slots,
    ParameterStore store,
    AdamW optimizer,
    boolean[][] active,
    Rng rng) {

  int layers() {
    return model.layers();
  }

  int experts() {
    return model.router().experts();
  }

  /** Empty routing records, one per layer. */
  RoutingRecords[] emptyRecords() {
    RoutingRecords[] out = new RoutingRecords[layers()];
    for (int l = 0; l < out.length; l++) {
      out[l] = new RoutingRecords(slots, model.dModel());
    }
    return out;
  }
}
