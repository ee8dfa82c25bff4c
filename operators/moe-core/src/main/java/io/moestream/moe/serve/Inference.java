package io.moestream.moe.serve;

import java.util.List;

/**
 * The result of scoring a token sequence with a loaded model.
 *
 * @param loss mean next-token cross-entropy (nats) over the scored targets
 * @param scored targets scored (tokens − 1)
 * @param routes one entry per input token: the experts each MoE layer ran for it
 */
public record Inference(double loss, int scored, List<TokenRoute> routes) {
  public Inference {
    routes = List.copyOf(routes);
  }

  public double perplexity() {
    return Math.exp(loss);
  }

  /**
   * @param position index of the token in the input
   * @param token the token id
   * @param experts per MoE layer, the expert slots that ran for this token (k = length); in
   *     inference DynMoE never leaves a token without an expert (top-1 fallback, DESIGN §2.1)
   */
  public record TokenRoute(int position, int token, int[][] experts) {
    public int k(int layer) {
      return experts[layer].length;
    }
  }
}
