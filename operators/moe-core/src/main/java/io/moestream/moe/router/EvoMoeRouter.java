package io.moestream.moe.router;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.moestream.moe.config.EvoMoeConfig;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Rng;
import java.util.LinkedHashMap;

/**
 * EvoMoE's routing over its three stages (evomoe.txt §3.1): during warm-up and expert evolution the
 * MoE layer is the dense FFN, expert 0, for every token; from the DTR stage on, the {@link
 * DtrRouter} picks one expert per token. The stage is a function of the step alone ({@link
 * EvoMoeConfig#stageAt}), so a restored snapshot routes exactly as the uninterrupted run.
 *
 * <pre>
 * warm-up, evolution:  w = S = one-hot(expert 0)   (T, E)    aux = 0
 * DTR:                 see {@link DtrRouter}
 * </pre>
 */
public final class EvoMoeRouter extends ModalityRouter {
  private final RouterConfig config;
  private final DtrRouter dtr;

  public EvoMoeRouter(RouterConfig config) {
    this.config = config;
    this.dtr = new DtrRouter(config);
  }

  @Override
  public void register(ParameterStore store, int layer, int dModel, Rng rng) {
    dtr.register(store, layer, dModel, rng);
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
    if (config.evo().stageAt(step) == EvoMoeConfig.Stage.DTR) {
      return dtr.route(x, store, layer, active, training, step, modality);
    }
    int t = (int) x.getShape().get(0);
    int e = config.experts();
    float[] first = new float[t * e];
    for (int i = 0; i < t; i++) {
      first[i * e] = 1f;
    }
    NDManager m = x.getManager();
    NDArray onehot = SoftmaxGate.constant(x, first, new Shape(t, e)); // (T, E)
    NDArray zero = m.zeros(new Shape(), x.getDataType());
    return new Routing(onehot, onehot, zero, 0, new LinkedHashMap<>());
  }

  @Override
  public int slots() {
    return config.experts();
  }
}
