package io.moestream.moe.model;

/**
 * Host-side routing statistics of one MoE layer for one batch.
 *
 * @param tokens tokens routed
 * @param pairs (token, expert) pairs that ran: Σ k over tokens
 * @param perExpert tokens each expert slot processed
 * @param unrouted tokens the router sent nowhere (k = 0, or only a training fallback ran them)
 */
public record LayerStats(long tokens, long pairs, long[] perExpert, long unrouted) {
  public double avgK() {
    return tokens == 0 ? 0 : (double) pairs / tokens;
  }
}
