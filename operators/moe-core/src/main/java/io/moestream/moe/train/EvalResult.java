package io.moestream.moe.train;

import io.moestream.moe.model.LayerStats;
import java.util.List;

/**
 * An inference-mode pass over a batch (no update; DynMoE uses its top-1 fallback).
 *
 * @param loss mean next-token cross-entropy
 * @param tokens tokens scored
 * @param layers per-layer routing statistics
 */
public record EvalResult(double loss, int tokens, List<LayerStats> layers) {
  public EvalResult {
    layers = List.copyOf(layers);
  }

  public double perplexity() {
    return Math.exp(loss);
  }
}
