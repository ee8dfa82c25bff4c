package io.moestream.moe.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.lifecycle.RoutingRecords;
import io.moestream.moe.router.Router;
import io.moestream.moe.router.Routing;
import io.moestream.moe.router.SelectedExperts;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Precision;
import io.moestream.moe.tensor.Rows;
import io.moestream.moe.tensor.Scalars;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The causal LM of DESIGN §3, read top to bottom like its equations:
 *
 * <pre>
 * x = wte[tokens] + wpe[positions]                  (B, T, d)
 * for each layer l:
 *   x = x + attn_l(ln1_l(x))                        (B, T, d)
 *   x = x + moe_l(ln2_l(x))                         (B, T, d)   experts chosen per token
 * logits = ln_f(x) · wteᵀ                           (B, T, V)   tied head
 * loss   = cross_entropy(logits, next tokens) + Σ_l w_l · aux_l
 * </pre>
 *
 * Holds no tensors of its own: parameters live in the {@link ParameterStore}, activations in the
 * caller's step manager.
 */
public final class CausalLm {
  /** The epsilon of every LayerNorm (ln1, ln2, ln_f), as nanoGPT and PyTorch's default. */
  public static final float LAYER_NORM_EPS = 1e-5f;

  private final ModelConfig config;
  private final Router router;
  private ExpertDispatch dispatch = ExpertDispatch.PER_EXPERT;
  private Precision precision = Precision.FP32;

  public CausalLm(ModelConfig config, Router router) {
    this.config = config;
    this.router = router;
  }

  /**
   * How each layer's tokens reach its experts from the next forward on; a speed choice, not part of
   * the model (both compute the same function to float rounding), so it is never saved.
   */
  public void expertDispatch(ExpertDispatch dispatch) {
    this.dispatch = Objects.requireNonNull(dispatch, "dispatch");
  }

  public ExpertDispatch expertDispatch() {
    return dispatch;
  }

  /**
   * The arithmetic of the dense matmuls (attention, experts under either dispatch, LM head) from
   * the next forward on; the router's gate, the norms, softmax and the loss are float32 whatever it
   * is. A way of computing, not part of the model: never saved.
   */
  public void precision(Precision precision) {
    this.precision = Objects.requireNonNull(precision, "precision");
  }

  public Precision precision() {
    return precision;
  }

  public ModelConfig config() {
    return config;
  }

  public Router router() {
    return router;
  }

  /**
   * @param task () mean next-token cross-entropy
   * @param auxWeighted () Σ over layers of the router's weighted aux loss
   * @param layers per-layer routing statistics (host)
   */
  public record Forward(NDArray task, NDArray auxWeighted, List<LayerStats> layers) {}

  /**
   * {@link #forward(NDManager, ParameterStore, int[][], int[], boolean[][], boolean, long,
   * RoutingRecords[])} with every row in the shared default modality.
   */
  public Forward forward(
      NDManager m,
      ParameterStore p,
      int[][] batch,
      boolean[][] active,
      boolean training,
      long step,
      RoutingRecords[] records) {
    return forward(m, p, batch, null, active, training, step, records);
  }

  /**
   * @param m the step's manager; every activation is created in it
   * @param batch (B, T+1) token ids: inputs are [:, :T], targets [:, 1:]
   * @param rowModality (B,) modality id of each row (its record's domain), or null for all 0
   * @param active active expert slots per layer (read only)
   * @param records routing records per layer to add this batch to, or null when not recording
   */
  public Forward forward(
      NDManager m,
      ParameterStore p,
      int[][] batch,
      int[] rowModality,
      boolean[][] active,
      boolean training,
      long step,
      RoutingRecords[] records) {
    int b = batch.length;
    int t = batch[0].length - 1;
    if (t > config.ctx()) {
      throw new IllegalArgumentException("sequence window " + t + " > ctx " + config.ctx());
    }
    int d = config.dModel();
    long[] in = new long[b * t];
    long[] target = new long[b * t];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < t; j++) {
        in[i * t + j] = batch[i][j];
        target[i * t + j] = batch[i][j + 1];
      }
    }
    int[] tokenModality = null; // (B·T,)
    if (rowModality != null) {
      if (rowModality.length != b) {
        throw new IllegalArgumentException(
            rowModality.length + " modality ids for a batch of " + b + " rows");
      }
      tokenModality = new int[b * t];
      for (int i = 0; i < b; i++) {
        Arrays.fill(tokenModality, i * t, (i + 1) * t, rowModality[i]);
      }
    }
    NDArray x = Rows.select(p.get("wte"), in).reshape(b, t, d); // (B, T, d)
    x = x.add(p.get("wpe").get(new NDIndex("0:{}", t))); // + (T, d)

    NDArray aux = m.zeros(new Shape(), DataType.FLOAT32);
    List<LayerStats> stats = new ArrayList<>();
    for (int l = 0; l < config.layers(); l++) {
      String prefix = "layers." + l + ".";
      x =
          x.add(
              CausalSelfAttention.forward(
                  p,
                  prefix + "attn.",
                  Layers.layerNorm(p, prefix + "ln1", x),
                  config.heads(),
                  precision));
      NDArray h = Layers.layerNorm(p, prefix + "ln2", x).reshape(b * t, d); // (N, d)
      Routing r = router.route(h, p, l, active[l], training, step, tokenModality);
      SelectedExperts selected = r.scan(); // the layer's one device→host transfer
      if (records != null) {
        records[l].recordDeferred(h, selected); // the trainer settles R_S with its one read
      }
      stats.add(stats(selected));
      NDArray y = GroupedExperts.combine(dispatch, precision, h, r.weights(), selected, p, l);
      x = x.add(y.reshape(b, t, d));
      if (r.auxWeight() != 0) {
        aux = aux.add(r.aux().mul(Scalars.fresh(r.aux(), r.auxWeight()))); // annealed: per step
      }
    }
    NDArray logits =
        precision.matmul(
            Layers.layerNorm(p, "ln_f", x).reshape(b * t, d), p.get("wte").transpose()); // (N, V)
    NDArray nll =
        logits.logSoftmax(1).gather(m.create(target, new Shape(b * t, 1)), 1).neg().mean(); // ()
    return new Forward(nll, aux, stats);
  }

  private static LayerStats stats(SelectedExperts selected) {
    long[] per = new long[selected.slots()];
    long unrouted = 0;
    for (int j = 0; j < per.length; j++) {
      per[j] = selected.tokensOf(j);
    }
    for (int i = 0; i < selected.tokens(); i++) {
      unrouted += selected.isUnrouted(i) ? 1 : 0;
    }
    return new LayerStats(selected.tokens(), selected.pairs(), per, unrouted);
  }
}
