package io.moestream.moe.serve;

import ai.djl.ndarray.NDArray;
import io.moestream.moe.model.RoutedExperts;
import io.moestream.moe.router.Router;
import io.moestream.moe.router.Routing;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Rng;
import java.util.ArrayList;
import java.util.List;

/**
 * A router that routes exactly as the one it wraps and keeps a host copy of each layer's (T, E)
 * selections, so inference can say which experts each token used without a second forward code
 * path.
 */
final class RecordingRouter implements Router {
  private final Router inner;
  private final List<float[]> selections = new ArrayList<>();

  RecordingRouter(Router inner) {
    this.inner = inner;
  }

  @Override
  public void register(ParameterStore store, int layer, int dModel, Rng rng) {
    inner.register(store, layer, dModel, rng);
  }

  @Override
  public Routing route(
      NDArray x, ParameterStore store, int layer, boolean[] active, boolean training, long step) {
    Routing r = inner.route(x, store, layer, active, training, step);
    selections.add(RoutedExperts.host(r.selected()));
    return r;
  }

  @Override
  public int slots() {
    return inner.slots();
  }

  /** The selections recorded since the last call, one (T, E) row-major array per layer. */
  List<float[]> take() {
    List<float[]> out = List.copyOf(selections);
    selections.clear();
    return out;
  }
}
