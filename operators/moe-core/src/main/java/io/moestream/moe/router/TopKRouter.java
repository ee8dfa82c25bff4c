package io.moestream.moe.router;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Rng;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The baseline softmax top-k router (GShard, Switch Transformer; DESIGN §2.5).
 *
 * <pre>
 * P        = softmax(x · W)                          (T, E)    W: (d, E)
 * S[t, e]  = 1 if e is among the k largest P[t, :]   (T, E)    ties: lower index first
 * k &gt; 1:   w[t, e] = S·P / Σ_e' S·P                (T, E)    GShard/Mixtral: renormalised
 * k = 1:   w[t, e] = S·P                             (T, E)    Switch: raw probability
 * load_balance_loss = E · Σ_i f_i · P̄_i
 *   f_i = Σ_t S[t, i] / (T·k)   (share of (token, choice) assignments, no gradient)
 *   P̄_i = mean_t P[t, i]         (differentiable)
 * </pre>
 *
 * <p>With k = 1 the renormalised weight would be the constant 1 and the router would learn only
 * through the load-balancing loss; Switch keeps the raw probability so that the task loss reaches
 * the router. With k &gt; 1 the renormalisation is differentiated through numerator and denominator
 * (it equals a softmax over the selected logits). Inactive slots are never selected and get
 * probability 0.
 */
public final class TopKRouter implements Router {
  private final RouterConfig config;

  public TopKRouter(RouterConfig config) {
    this.config = config;
  }

  @Override
  public void register(ParameterStore store, int layer, int dModel, Rng rng) {
    SoftmaxGate.register(store, layer, dModel, config.experts(), rng);
  }

  @Override
  public Routing route(
      NDArray x, ParameterStore store, int layer, boolean[] active, boolean training, long step) {
    int e = config.experts();
    int t = (int) x.getShape().get(0);
    int k = config.topK();
    boolean[] allowed = SoftmaxGate.allowed(active, e, 0);
    NDArray p = SoftmaxGate.probs(x, store.get(SoftmaxGate.weightName(layer)), allowed).probs();
    return fromProbabilities(p, t, e, k, allowed, config.auxWeightAt(step));
  }

  /**
   * Top-k selection, combine weights and load-balancing loss from a router's (T, E) probabilities
   * {@code p} (shared with the DTR router, which computes {@code p} its own way).
   */
  static Routing fromProbabilities(
      NDArray p, int t, int e, int k, boolean[] allowed, double auxWeight) {
    float[] mask = select(p, t, e, k, allowed); // chosen on the host: passed on, not read back
    NDArray selected = SoftmaxGate.constant(p, mask, new Shape(t, e));

    NDArray picked = p.mul(selected); // (T, E)
    NDArray weights = k == 1 ? picked : picked.div(picked.sum(new int[] {1}, true));

    Map<String, NDArray> parts = new LinkedHashMap<>();
    NDArray f = SoftmaxGate.fractions(selected);
    parts.put("load_balance_loss", SoftmaxGate.loadBalance(f, p.mean(new int[] {0}), e));
    return new Routing(
        weights,
        selected,
        SoftmaxGate.total(parts),
        auxWeight,
        parts,
        null,
        SelectedExperts.scan(mask, t, e));
  }

  @Override
  public int slots() {
    return config.experts();
  }

  /** Host 0/1 (T, E) mask of the k most probable allowed experts per token. */
  static float[] select(NDArray p, int t, int e, int k, boolean[] allowed) {
    double[] h = SoftmaxGate.host(p);
    float[] s = new float[t * e];
    for (int i = 0; i < t; i++) {
      int[] order = SoftmaxGate.descending(h, i, e, allowed);
      for (int j = 0; j < Math.min(k, order.length); j++) {
        s[i * e + order[j]] = 1f;
      }
    }
    return s;
  }
}
