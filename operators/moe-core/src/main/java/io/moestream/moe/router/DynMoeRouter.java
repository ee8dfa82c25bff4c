package io.moestream.moe.router;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.tensor.HostFloats;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Rng;
import java.util.Map;

/**
 * DynMoE top-any routing over E_max preallocated slots: {@link DynMoeGate} plus {@link DynMoeAux}.
 *
 * <p>Parameters: {@code layers.<l>.moe.gate.sim_matrix} (d, E_max), initialised with unit-norm
 * random columns (nearly orthogonal for d ≫ E, like the official orthogonal init), and {@code
 * layers.<l>.moe.gate.thresholds} (E_max,), initialised to 0 (sigmoid(0) = 0.5).
 */
public final class DynMoeRouter implements Router {
  private final RouterConfig config;
  private final DynMoeGate.TrainingGate trainingGate;

  public DynMoeRouter(RouterConfig config) {
    this(config, DynMoeGate.TrainingGate.DYNMOE);
  }

  /** A router whose training gate uses {@code trainingGate}'s options (inference is unchanged). */
  public DynMoeRouter(RouterConfig config, DynMoeGate.TrainingGate trainingGate) {
    this.config = config;
    this.trainingGate = trainingGate;
  }

  public static String simName(int layer) {
    return "layers." + layer + ".moe.gate.sim_matrix";
  }

  public static String thresholdsName(int layer) {
    return "layers." + layer + ".moe.gate.thresholds";
  }

  @Override
  public void register(ParameterStore store, int layer, int dModel, Rng rng) {
    int e = config.maxExperts();
    float[] sim = new float[dModel * e];
    for (int col = 0; col < e; col++) {
      float[] v = rng.normal(dModel, 1.0);
      double norm = 0;
      for (float f : v) {
        norm += f * f;
      }
      norm = Math.sqrt(norm);
      for (int r = 0; r < dModel; r++) {
        sim[r * e + col] = (float) (v[r] / norm);
      }
    }
    store.add(simName(layer), sim, new Shape(dModel, e), layer, -1, true, false);
    store.add(thresholdsName(layer), new float[e], new Shape(e), layer, -1, true, false);
  }

  @Override
  public Routing route(
      NDArray x, ParameterStore store, int layer, boolean[] active, boolean training, long step) {
    NDArray sim = store.get(simName(layer));
    NDArray thresholds = store.get(thresholdsName(layer));
    NDArray mask = maskOf(x, active);
    DynMoeGate.Result gate = DynMoeGate.forward(x, sim, thresholds, mask, training, trainingGate);
    // The aux loss sees the top-any decisions only: a fallback is a compute path, not a selection.
    // One read of the selections serves the aux loss (its tokens with k > 0: those not unrouted)
    // and, through Routing.host, the layer's dispatch, statistics and routing records.
    NDArray fellBack = gate.fallback() == null ? null : gate.fallback().sum(new int[] {1});
    SelectedExperts host = SelectedExperts.read(gate.selected(), fellBack);
    Map<String, NDArray> parts =
        DynMoeAux.parts(config.auxVariant(), gate, sim, mask, host.routedTokens());
    return new Routing(
        gate.weights(),
        gate.selected(),
        DynMoeAux.total(parts),
        config.auxWeightAt(step),
        parts,
        fellBack,
        host);
  }

  @Override
  public int slots() {
    return config.maxExperts();
  }

  /** (E,) float mask of the active slots, in x's dtype and manager. */
  static NDArray maskOf(NDArray x, boolean[] active) {
    float[] m = new float[active.length];
    for (int i = 0; i < m.length; i++) {
      m[i] = active[i] ? 1f : 0f;
    }
    return HostFloats.of(x.getManager(), m, x.getDataType());
  }
}
