package io.moestream.moe.router;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Rng;
import io.moestream.moe.tensor.Scalars;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Top-p dynamic routing (Huang et al. 2024, DESIGN §2.2): each token takes the fewest experts whose
 * probability mass exceeds p.
 *
 * <pre>
 * P = softmax(x · W)                                   (T, E)   W: (d, E)
 * per token, experts sorted so that P_(1) ≥ P_(2) ≥ …   (ties: lower index first)
 * keep the j-th iff  Σ_{i &lt; j} P_(i) ≤ p            i.e. up to and including the expert whose
 *                                                       cumulative sum first exceeds p; j = 1 is
 *                                                       always kept
 * w[t, e] = S[t, e] · P[t, e]                          (T, E)   raw, NOT renormalised
 * load_balance_loss = E · Σ_i f_i · P̄_i                f_i: share of all selections (no grad)
 * entropy_loss      = mean_t ( −Σ_e P[t, e] log P[t, e] )        (differentiable)
 * </pre>
 *
 * <p>The paper weights the two losses separately (0.01 and 1e-4); {@link Routing} carries a single
 * weight, so this router returns {@code aux = LB + (w_H / w_LB) · H} with {@code auxWeight = w_LB}
 * (the config's aux weight at this step), making {@code auxWeight · aux = w_LB·LB + w_H·H} exactly.
 * When {@code w_LB = 0}, {@code aux = H} and {@code auxWeight = w_H}. The parts are reported
 * unweighted. Cumulative sums are taken on the host in double precision.
 */
public final class TopPRouter implements Router {
  private final RouterConfig config;

  public TopPRouter(RouterConfig config) {
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
    boolean[] allowed = SoftmaxGate.allowed(active, e, 0);
    SoftmaxGate.Probs probs =
        SoftmaxGate.probs(x, store.get(SoftmaxGate.weightName(layer)), allowed);
    NDArray p = probs.probs();
    float[] mask = select(SoftmaxGate.host(p), t, e, config.topP(), allowed);
    NDArray selected = SoftmaxGate.constant(x, mask, new Shape(t, e));
    NDArray weights = p.mul(selected);

    Map<String, NDArray> parts = new LinkedHashMap<>();
    NDArray f = SoftmaxGate.fractions(selected);
    NDArray lb = SoftmaxGate.loadBalance(f, p.mean(new int[] {0}), e);
    NDArray entropy = probs.entropy();
    parts.put("load_balance_loss", lb);
    parts.put("entropy_loss", entropy);

    double lbWeight = config.auxWeightAt(step);
    double hWeight = config.entropyWeight();
    SelectedExperts host = SelectedExperts.scan(mask, t, e); // chosen on the host: not read back
    if (lbWeight > 0) {
      // lbWeight anneals: a value per step, not a shared constant
      NDArray aux = lb.add(entropy.mul(Scalars.fresh(entropy, hWeight / lbWeight)));
      return new Routing(weights, selected, aux, lbWeight, parts, null, host);
    }
    return new Routing(weights, selected, entropy, hWeight, parts, null, host);
  }

  @Override
  public int slots() {
    return config.experts();
  }

  /**
   * Host 0/1 (T, E) top-p mask.
   *
   * @param p row-major (T, E) probabilities
   */
  static float[] select(double[] p, int t, int e, double topP, boolean[] allowed) {
    float[] s = new float[t * e];
    for (int i = 0; i < t; i++) {
      double before = 0; // cumulative probability of the experts already kept
      for (int c : SoftmaxGate.descending(p, i, e, allowed)) {
        if (before > topP) {
          break; // the previous expert crossed p
        }
        s[i * e + c] = 1f;
        before += p[i * e + c];
      }
    }
    return s;
  }
}
