package io.moestream.jobs.local;

import io.moestream.moe.config.ModelConfig;

/**
 * Model FLOPs per trained token, counted from the shape and the measured routing rather than
 * assumed: an MoE's cost depends on how many experts each token actually used, which DynMoE decides
 * per token. Training is taken as 3 × forward (backward ≈ 2 × forward); layer norms, softmaxes,
 * biases and the router's own small matmul are left out, as in the usual 6N count.
 */
public final class FlopCounter {
  private FlopCounter() {}

  /**
   * Forward FLOPs of one token.
   *
   * @param expertPairsPerToken (token, expert) pairs per token summed over layers, measured
   */
  public static double forwardPerToken(ModelConfig m, double expertPairsPerToken) {
    double d = m.dModel();
    double t = m.ctx();
    double attentionParams = d * 3 * d + d * d; // qkv and output projections
    double attentionScores = 2 * t * d; // q·k over T keys, then weights·v over T values
    double attention = m.layers() * 2 * (attentionParams + attentionScores);
    double experts = 2 * expertPairsPerToken * (d * m.dFf() + m.dFf() * d);
    double head = 2 * d * m.vocabSize(); // tied output projection
    return attention + experts + head;
  }

  /** Forward + backward FLOPs of one trained token. */
  public static double trainPerToken(ModelConfig m, double expertPairsPerToken) {
    return 3 * forwardPerToken(m, expertPairsPerToken);
  }
}
