package io.moestream.jobs.drift;

import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.lifecycle.ExpertChange;
import io.moestream.moe.train.GateView;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything one (configuration, seed) run recorded, step by step, as host values. Kept raw so the
 * metrics, the CSV/JSON and the plots are all computed from the same numbers.
 *
 * @param preset the preset it ran in
 * @param config the configuration's name
 * @param seed the seed
 * @param model the model it trained (its expert width gives FLOPs per expert application)
 * @param domainNames the stream's domains, in serving order
 * @param loss per step, the prequential loss (scored before training on the batch)
 * @param domain per step, the index of the domain the batch came from
 * @param tokens per step, tokens scored
 * @param expertPairs per step, (token, expert) pairs summed over layers
 * @param avgK per step and layer, experts per token
 * @param active per step and layer, active experts after the step
 * @param expertTokens per step, layer and slot, tokens the slot processed
 * @param heldOut {@code heldOut[i][j]}: mean held-out loss of domain j after the last step of
 *     domain i, for j ≤ i (NaN above the diagonal: a domain is scored once it has been trained on)
 * @param changes DynMoE's spawns and prunes, in order
 * @param gates DynMoE's final gate per layer; empty for other routers
 * @param uniformity per layer, at the end: mean pairwise cosine similarity of the active experts'
 *     parameter vectors (EvoMoE's "expert uniformity"); NaN with one expert
 * @param wallNanos wall time of the run, model creation included
 * @param trainNanos time inside the trainer's steps
 * @param cpuNanos CPU time of the run's thread (with one libtorch thread the ops run on it): what
 *     the run costs on a quiet machine, whatever else shared the cores
 */
record DriftRun(
    DriftPreset preset,
    String config,
    long seed,
    ModelConfig model,
    List<String> domainNames,
    double[] loss,
    int[] domain,
    int[] tokens,
    long[] expertPairs,
    double[][] avgK,
    int[][] active,
    long[][][] expertTokens,
    double[][] heldOut,
    List<ExpertChange> changes,
    List<GateView> gates,
    double[] uniformity,
    long wallNanos,
    long trainNanos,
    long cpuNanos) {

  int steps() {
    return loss.length;
  }

  int layers() {
    return model.layers();
  }

  long totalTokens() {
    long n = 0;
    for (int t : tokens) {
      n += t;
    }
    return n;
  }

  double tokensPerSecond() {
    return trainNanos == 0 ? 0 : totalTokens() * 1e9 / trainNanos;
  }

  /** Steps at which a new domain starts (its first batch), domain 0's excluded. */
  int[] switchSteps() {
    List<Integer> out = new ArrayList<>();
    for (int i = 1; i < domain.length; i++) {
      if (domain[i] != domain[i - 1]) {
        out.add(i);
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  /** First step of domain {@code d} and the step after its last: {@code [from, to)}. */
  int[] domainRange(int d) {
    int from = -1;
    int to = -1;
    for (int i = 0; i < domain.length; i++) {
      if (domain[i] == d) {
        from = from < 0 ? i : from;
        to = i + 1;
      }
    }
    return new int[] {Math.max(from, 0), Math.max(to, 0)};
  }

  /** Per step, one layer's column of {@link #avgK} or {@link #active} as doubles. */
  double[] layerSeries(int layer, boolean activeExperts) {
    double[] out = new double[steps()];
    for (int i = 0; i < out.length; i++) {
      out[i] = activeExperts ? active[i][layer] : avgK[i][layer];
    }
    return out;
  }
}
