package io.moestream.moe.router;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Rng;
import java.util.LinkedHashMap;

/**
 * A dense FFN as a router: one expert that every token uses with weight 1 (a benchmark reference).
 * No parameters, no auxiliary loss.
 *
 * <pre>
 * w = S = 1   (T, 1)      aux = 0   ()      auxWeight = 0
 * </pre>
 */
public final class DenseRouter implements Router {

  @Override
  public void register(ParameterStore store, int layer, int dModel, Rng rng) {
    // Nothing to learn: the single expert always runs.
  }

  @Override
  public Routing route(
      NDArray x, ParameterStore store, int layer, boolean[] active, boolean training, long step) {
    if (active.length != 1) {
      throw new IllegalArgumentException("dense has exactly one expert, got " + active.length);
    }
    Shape shape = new Shape(x.getShape().get(0), 1);
    NDArray ones = x.getManager().ones(shape, x.getDataType());
    NDArray zero = x.getManager().zeros(new Shape(), x.getDataType());
    return new Routing(ones, ones.stopGradient(), zero, 0, new LinkedHashMap<>());
  }

  @Override
  public int slots() {
    return 1;
  }
}
