package io.moestream.moe.router;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import io.moestream.moe.config.EvoMoeConfig;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Rng;
import io.moestream.moe.tensor.Rows;

/**
 * EvoMoE's Dynamic Token-aware Router (evomoe.txt §3.3, eqs. 5–8): per modality τ a hypernetwork
 * H^τ generates, for every token, the weights of a down/up projection; the projected token goes
 * through a linear router φ and the most probable expert is chosen (top-1).
 *
 * <pre>
 * z                                        (n, d)      the tokens of modality τ (after the pre-norm)
 * Θ      = (z · W1_τ + b1_τ) · W2_τ + b2_τ  (n, 3rd)    eq. 5: two linear layers, no activation
 * Θ_down = Θ[:, :2rd] as (n, d, 2r)                     generated per token
 * Θ_up   = Θ[:, 2rd:] as (n, r, d)
 * a      = z · Θ_down                       (n, 2r)
 * E      = (silu(a[:, :r]) ⊙ a[:, r:]) · Θ_up (n, d)    eq. 7: SwiGLU between down and up
 * P      = softmax(E · Wφ + bφ)             (n, E)      eq. 8: φ, the linear router
 * S      = one-hot argmax P                 (n, E)      top-1, ties to the lower index
 * w      = S ⊙ P                            (n, E)      Switch-style raw probability: the task loss
 *                                                       reaches the router through w
 * aux    = E · Σ_i f_i P̄_i                  ()          load balance, weighted α = 0.001
 * </pre>
 *
 * <p>Parameters per layer l: {@code layers.<l>.moe.dtr.hyper.<τ>.{w1 (d, h), b1 (h), w2 (h, 3rd),
 * b2 (3rd)}} for τ = 0..modalities−1 and {@code layers.<l>.moe.dtr.router.{weight (d, E), bias
 * (E)}}. {@code b2} is drawn like the weights of a static projection (std 1/√fan-in) so that the
 * router starts as a random token-dependent MLP and the hypernetwork learns per-token deviations;
 * W1, W2 and φ are N(0, 0.02).
 */
public final class DtrRouter extends ModalityRouter {
  private final RouterConfig config;

  public DtrRouter(RouterConfig config) {
    this.config = config;
  }

  /** Prefix of layer {@code l}'s DTR tensors: {@code layers.<l>.moe.dtr.} */
  public static String prefix(int layer) {
    return "layers." + layer + ".moe.dtr.";
  }

  /** Whether a parameter name belongs to a DTR router (hypernetworks or φ). */
  public static boolean isDtr(String name) {
    return name.contains(".moe.dtr.");
  }

  private static String hyper(int layer, int modality) {
    return prefix(layer) + "hyper." + modality + ".";
  }

  @Override
  public void register(ParameterStore store, int layer, int dModel, Rng rng) {
    EvoMoeConfig c = config.evo();
    int d = dModel;
    int h = c.hyperHidden();
    int r = c.rank();
    int g = 3 * r * d;
    for (int m = 0; m < c.modalities(); m++) {
      String x = hyper(layer, m);
      store.add(x + "w1", rng.normal(d * h, 0.02), new Shape(d, h), layer, -1, false, true);
      store.add(x + "b1", new float[h], new Shape(h), layer, -1, false, false);
      store.add(x + "w2", rng.normal(h * g, 0.02), new Shape(h, g), layer, -1, false, true);
      float[] b2 = new float[g];
      float[] down = rng.normal(2 * r * d, 1.0 / Math.sqrt(d));
      float[] up = rng.normal(r * d, 1.0 / Math.sqrt(r));
      System.arraycopy(down, 0, b2, 0, down.length);
      System.arraycopy(up, 0, b2, down.length, up.length);
      store.add(x + "b2", b2, new Shape(g), layer, -1, false, false);
    }
    int e = config.experts();
    store.add(
        prefix(layer) + "router.weight",
        rng.normal(d * e, 0.02),
        new Shape(d, e),
        layer,
        -1,
        false,
        true);
    store.add(prefix(layer) + "router.bias", new float[e], new Shape(e), layer, -1, false, false);
  }

  @Override
  public Routing route(
      NDArray x,
      ParameterStore store,
      int layer,
      boolean[] active,
      boolean training,
      long step,
      int[] modality) {
    int e = config.experts();
    int t = (int) x.getShape().get(0);
    boolean[] allowed = SoftmaxGate.allowed(active, e, 0);
    if (SoftmaxGate.count(allowed) != e) {
      throw new IllegalArgumentException("DTR routes over a fixed expert set: all slots active");
    }
    NDArray logits = logits(x, store, layer, modality); // (T, E)
    NDArray p = logits.softmax(1); // (T, E)
    return TopKRouter.fromProbabilities(p, t, e, 1, allowed, config.auxWeightAt(step));
  }

  @Override
  public int slots() {
    return config.experts();
  }

  /**
   * Router logits of every token, each through its own modality's hypernetwork.
   *
   * @param x (T, d) tokens
   * @param modality (T,) ids in [0, modalities), or null for all 0
   * @return (T, E) logits, rows in x's order
   */
  NDArray logits(NDArray x, ParameterStore store, int layer, int[] modality) {
    int t = (int) x.getShape().get(0);
    int mods = config.evo().modalities();
    int[] count = new int[mods];
    for (int i = 0; i < t; i++) {
      int m = modality == null ? 0 : modality[i];
      if (m < 0 || m >= mods) {
        throw new IllegalArgumentException(
            "modality id " + m + " out of range: the DTR router has " + mods + " hypernetworks");
      }
      count[m]++;
    }
    for (int m = 0; m < mods; m++) {
      if (count[m] == t) {
        return logitsOf(x, store, layer, m); // one modality: no gathers
      }
    }
    // Rows grouped by modality, computed per group, then put back in token order with gathers
    // (deterministic backward, see Rows).
    long[] order = new long[t];
    long[] back = new long[t];
    int[] start = new int[mods + 1];
    for (int m = 0; m < mods; m++) {
      start[m + 1] = start[m] + count[m];
    }
    int[] fill = start.clone();
    for (int i = 0; i < t; i++) {
      int m = modality[i];
      order[fill[m]] = i;
      back[i] = fill[m]++;
    }
    NDArray grouped = Rows.select(x, order); // (T, d), grouped by modality
    NDList parts = new NDList();
    for (int m = 0; m < mods; m++) {
      if (count[m] > 0) {
        NDArray rows = grouped.get(new NDIndex(start[m] + ":" + start[m + 1])); // (n_m, d)
        parts.add(logitsOf(rows, store, layer, m)); // (n_m, E)
      }
    }
    NDArray all = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0); // (T, E) grouped
    return Rows.select(all, back); // (T, E) in token order
  }

  /** Eqs. 5–8 up to φ's logits for rows z (n, d) of one modality: (n, E). */
  private NDArray logitsOf(NDArray z, ParameterStore store, int layer, int m) {
    int n = (int) z.getShape().get(0);
    int d = (int) z.getShape().get(1);
    int r = config.evo().rank();
    String x = hyper(layer, m);
    NDArray hidden = z.matMul(store.get(x + "w1")).add(store.get(x + "b1")); // (n, h)
    NDArray theta = hidden.matMul(store.get(x + "w2")).add(store.get(x + "b2")); // (n, 3rd)
    NDArray down = theta.get(new NDIndex(":, 0:{}", 2 * r * d)).reshape(n, d, 2 * r); // (n,d,2r)
    NDArray up = theta.get(new NDIndex(":, {}:", 2 * r * d)).reshape(n, r, d); // (n, r, d)
    NDArray a = z.reshape(n, 1, d).batchMatMul(down); // (n, 1, 2r)
    NDArray gate = a.get(new NDIndex(":, :, 0:{}", r)); // (n, 1, r)
    NDArray value = a.get(new NDIndex(":, :, {}:", r)); // (n, 1, r)
    NDArray swiglu = Activation.sigmoid(gate).mul(gate).mul(value); // (n, 1, r) silu(g) ⊙ v
    NDArray projected = swiglu.batchMatMul(up).reshape(n, d); // (n, d)
    return projected
        .matMul(store.get(prefix(layer) + "router.weight"))
        .add(store.get(prefix(layer) + "router.bias")); // (n, E)
  }
}
