package io.moestream.moe.train;

/**
 * A host copy of one DynMoE layer's gate, for reports and registries (no tensors).
 *
 * @param layer MoE layer index
 * @param thresholds raw thresholds G (E_max,)
 * @param simMatrix gate representations, row-major (d, E_max): column e is expert e
 * @param active active slots (E_max,)
 */
public record GateView(int layer, double[] thresholds, double[][] simMatrix, boolean[] active) {

  /** Cosine similarity between the gate columns of slots a and b. */
  public double cosine(int a, int b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (double[] row : simMatrix) {
      dot += row[a] * row[b];
      na += row[a] * row[a];
      nb += row[b] * row[b];
    }
    return dot / Math.max(Math.sqrt(na) * Math.sqrt(nb), 1e-12);
  }
}
