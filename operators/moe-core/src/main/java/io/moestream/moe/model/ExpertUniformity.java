package io.moestream.moe.model;

import io.moestream.moe.tensor.DeviceReads;
import io.moestream.moe.tensor.ParameterStore;

/**
 * EvoMoE's "expert uniformity" measured on parameters: the mean, over every pair of active experts
 * of a layer, of the cosine similarity of their flattened parameter vectors (W1, b1, W2, b2
 * concatenated). Replicated experts start at 1; experts that specialise move towards 0. Host-side,
 * in double precision; reads the parameters, changes nothing.
 */
public final class ExpertUniformity {
  private ExpertUniformity() {}

  /**
   * @return mean pairwise cosine over the active experts of {@code layer}; NaN with fewer than two
   */
  public static double meanPairwiseCosine(ParameterStore p, int layer, boolean[] active) {
    int e = active.length;
    double[][] v = new double[e][];
    for (int s = 0; s < e; s++) {
      if (active[s]) {
        v[s] = flatten(p, layer, s);
      }
    }
    double sum = 0;
    int pairs = 0;
    for (int i = 0; i < e; i++) {
      for (int j = i + 1; j < e; j++) {
        if (v[i] != null && v[j] != null) {
          sum += cosine(v[i], v[j]);
          pairs++;
        }
      }
    }
    return pairs == 0 ? Double.NaN : sum / pairs;
  }

  /** cos(a, b) = a·b / (‖a‖‖b‖); 0 when either is the zero vector. */
  public static double cosine(double[] a, double[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
  }

  static double[] flatten(ParameterStore p, int layer, int slot) {
    String prefix = ModelInit.expertPrefix(layer, slot);
    int n = 0;
    float[][] parts = new float[ModelInit.EXPERT_TENSORS.size()][];
    for (int i = 0; i < parts.length; i++) {
      parts[i] = DeviceReads.floats(p.get(prefix + ModelInit.EXPERT_TENSORS.get(i)));
      n += parts[i].length;
    }
    double[] out = new double[n];
    int at = 0;
    for (float[] part : parts) {
      for (float f : part) {
        out[at++] = f;
      }
    }
    return out;
  }
}
