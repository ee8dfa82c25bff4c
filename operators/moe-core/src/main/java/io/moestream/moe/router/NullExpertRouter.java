package io.moestream.moe.router;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.tensor.DeviceReads;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Rng;
import io.moestream.moe.tensor.Scalars;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdaMoE (Zeng et al. 2024, DESIGN §2.3): top-k over E true plus N null experts. A null expert
 * outputs 0 and costs nothing, so a token that picks j nulls uses k − j true experts.
 *
 * <pre>
 * P = softmax(x · W)                        (T, E+N)   W: (d, E+N); columns E.. are the nulls
 * S = top-k of P over all E+N columns       (T, E+N)   ties: lower index (true before null)
 * w[t, e] = S·P[t, e] / Σ_{true e'} S·P[t, e']    e &lt; E   (T, E)   renormalised over the
 *                                                               selected TRUE experts only
 *           (all zero, nothing selected, when a token picked only nulls)
 * load_balance_loss (eq. 6) = (E+N) · ( Σ_{i&lt;E} f_i P̄_i + N · f̄_null · P̄_null )
 *   f_i = Σ_t S[t, i] / (T·k)   (no gradient),   P̄_i = mean_t P[t, i]
 *   f̄_null, P̄_null: the means of f_i and P̄_i over the N nulls (nulls are interchangeable,
 *   so they are not balanced against each other)
 * auxWeight = config.auxWeightAt(step): linear from auxWeight to auxWeightEnd over annealSteps
 * </pre>
 *
 * <p>{@link Routing#weights()} and {@link Routing#selected()} address the E true experts only; the
 * nulls never reach the combine.
 */
public final class NullExpertRouter implements Router {
  private final RouterConfig config;

  public NullExpertRouter(RouterConfig config) {
    this.config = config;
  }

  @Override
  public void register(ParameterStore store, int layer, int dModel, Rng rng) {
    SoftmaxGate.register(store, layer, dModel, columns(), rng);
  }

  @Override
  public Routing route(
      NDArray x, ParameterStore store, int layer, boolean[] active, boolean training, long step) {
    int e = config.experts();
    int n = config.nullExperts();
    int cols = e + n;
    int t = (int) x.getShape().get(0);
    boolean[] allowed = SoftmaxGate.allowed(active, e, n);
    NDArray p = SoftmaxGate.probs(x, store.get(SoftmaxGate.weightName(layer)), allowed).probs();
    float[] all = TopKRouter.select(p, t, cols, config.topK(), allowed); // (T, E+N) host
    float[] trueSel = new float[t * e];
    float[] noTrue = new float[t]; // 1 for tokens that picked only nulls
    for (int i = 0; i < t; i++) {
      int used = 0;
      for (int c = 0; c < e; c++) {
        trueSel[i * e + c] = all[i * cols + c];
        used += all[i * cols + c] > 0 ? 1 : 0;
      }
      noTrue[i] = used == 0 ? 1f : 0f;
    }
    NDArray selected = SoftmaxGate.constant(x, trueSel, new Shape(t, e));
    NDArray picked = p.get(new NDIndex(":, 0:" + e)).mul(selected); // (T, E)
    // Adding 1 to an empty row's denominator gives 0 / 1 = 0 (not NaN) and a clean gradient.
    NDArray denom =
        picked.sum(new int[] {1}, true).add(SoftmaxGate.constant(x, noTrue, new Shape(t, 1)));
    NDArray weights = picked.div(denom);

    NDArray f = SoftmaxGate.fractions(SoftmaxGate.constant(x, all, new Shape(t, cols))); // (E+N,)
    NDArray pMean = p.mean(new int[] {0}); // (E+N,)
    Map<String, NDArray> parts = new LinkedHashMap<>();
    parts.put("load_balance_loss", loadBalance(f, pMean, e, n));
    return new Routing(
        weights, selected, SoftmaxGate.total(parts), config.auxWeightAt(step), parts);
  }

  @Override
  public int slots() {
    return config.experts();
  }

  /** Router columns: E true then N null experts. */
  public int columns() {
    return config.experts() + config.nullExperts();
  }

  /** AdaMoE eq. 6: the nulls' f and P̄ replaced by their means over the N nulls. */
  static NDArray loadBalance(NDArray f, NDArray pMean, int e, int n) {
    NDIndex trueCols = new NDIndex("0:" + e);
    NDIndex nullCols = new NDIndex(e + ":");
    NDArray trueTerm = f.get(trueCols).mul(pMean.get(trueCols)).sum();
    NDArray nullMean = f.get(nullCols).mean().mul(pMean.get(nullCols).mean());
    NDArray nullTerm = nullMean.mul(Scalars.like(nullMean, n));
    NDArray both = trueTerm.add(nullTerm);
    return both.mul(Scalars.like(both, e + n));
  }

  /** True experts used by each token, from a (T, E) {@link Routing#selected()}: AdaMoE's k_t. */
  public static int[] trueExpertsPerToken(NDArray selected) {
    int t = (int) selected.getShape().get(0);
    int e = (int) selected.getShape().get(1);
    float[] s = DeviceReads.floats(selected.stopGradient());
    int[] k = new int[t];
    for (int i = 0; i < t; i++) {
      for (int c = 0; c < e; c++) {
        k[i] += s[i * e + c] > 0 ? 1 : 0;
      }
    }
    return k;
  }

  /** Mean over tokens of {@link #trueExpertsPerToken} (the paper's "Load"); 0 for no tokens. */
  public static double averageTrueExperts(NDArray selected) {
    int[] k = trueExpertsPerToken(selected);
    long sum = 0;
    for (int v : k) {
      sum += v;
    }
    return k.length == 0 ? 0 : (double) sum / k.length;
  }
}
