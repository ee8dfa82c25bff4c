package io.moestream.state;

import io.moestream.moe.lifecycle.RoutingRecords;
import io.moestream.schemas.LayerRoutingRecords;
import io.moestream.schemas.RoutingRecordsState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Routing records ⇄ their Avro state value, exactly (longs and doubles, no rounding). */
public final class RoutingStates {
  private RoutingStates() {}

  public static RoutingRecordsState toState(RoutingRecords[] layers) {
    List<LayerRoutingRecords> out = new ArrayList<>();
    for (RoutingRecords r : layers) {
      out.add(
          new LayerRoutingRecords(
              Arrays.stream(r.activations()).boxed().toList(),
              Arrays.stream(r.unroutedSum()).boxed().toList(),
              r.tokens(),
              r.unroutedTokens()));
    }
    return new RoutingRecordsState(out);
  }

  /** The records per layer; refuses a state whose shape does not match the model's. */
  public static RoutingRecords[] fromState(RoutingRecordsState s, int layers, int slots, int d) {
    if (s.getLayers().size() != layers) {
      throw new IllegalStateException(
          "routing records for " + s.getLayers().size() + " layers, the model has " + layers);
    }
    RoutingRecords[] out = new RoutingRecords[layers];
    for (int l = 0; l < layers; l++) {
      LayerRoutingRecords r = s.getLayers().get(l);
      if (r.getActivations().size() != slots || r.getUnroutedSum().size() != d) {
        throw new IllegalStateException("routing records of layer " + l + " do not fit the model");
      }
      out[l] =
          new RoutingRecords(
              r.getActivations().stream().mapToLong(Long::longValue).toArray(),
              r.getUnroutedSum().stream().mapToDouble(Double::doubleValue).toArray(),
              r.getTokens(),
              r.getUnrouted());
    }
    return out;
  }
}
