package io.moestream.moe.router;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * What a router decided for one batch of tokens. Every tensor lives in the step's manager.
 *
 * @param weights (T, E) combine weights, differentiable, zero where an expert is not selected
 * @param selected (T, E) 0/1 selections (no gradient); drives the gather of routed tokens
 * @param aux () the router's auxiliary loss, unweighted
 * @param auxWeight the weight the trainer applies to {@code aux} at this step
 * @param auxParts () named parts of {@code aux}, for metrics and conformance checks
 * @param fellBack (T,) 0/1 tokens the router routed nowhere and a fallback sent to one expert
 *     (counted in {@code selected}, but still unrouted for the statistics and the spawn evidence);
 *     null when the router has no training fallback
 * @param host the host scan of {@code selected} and {@code fellBack} when the router already read
 *     them (a router that needs them on the host itself, as DynMoE's aux loss does, reads once and
 *     hands the scan on, so the layer makes one device→host transfer, not two); null otherwise
 */
public record Routing(
    NDArray weights,
    NDArray selected,
    NDArray aux,
    double auxWeight,
    Map<String, NDArray> auxParts,
    NDArray fellBack,
    SelectedExperts host) {

  /** A routing whose selections the caller reads to the host. */
  public Routing(
      NDArray weights,
      NDArray selected,
      NDArray aux,
      double auxWeight,
      Map<String, NDArray> auxParts,
      NDArray fellBack) {
    this(weights, selected, aux, auxWeight, auxParts, fellBack, null);
  }

  /** The host scan of the selections: the router's, or read now (one transfer). */
  public SelectedExperts scan() {
    return host != null ? host : SelectedExperts.read(selected, fellBack);
  }

  /** A routing without a fallback. */
  public Routing(
      NDArray weights,
      NDArray selected,
      NDArray aux,
      double auxWeight,
      Map<String, NDArray> auxParts) {
    this(weights, selected, aux, auxWeight, auxParts, null);
  }
}
