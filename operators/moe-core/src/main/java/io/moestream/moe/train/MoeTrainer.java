package io.moestream.moe.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import io.moestream.moe.config.EvoMoeConfig;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.lifecycle.ChangeKind;
import io.moestream.moe.lifecycle.Lifecycle;
import io.moestream.moe.lifecycle.RoutingRecords;
import io.moestream.moe.model.CausalLm;
import io.moestream.moe.model.ExpertDispatch;
import io.moestream.moe.model.ExpertUniformity;
import io.moestream.moe.model.LayerStats;
import io.moestream.moe.model.ModelInit;
import io.moestream.moe.router.DynMoeRouter;
import io.moestream.moe.router.Router;
import io.moestream.moe.router.Routers;
import io.moestream.moe.tensor.Autograd;
import io.moestream.moe.tensor.DeviceReads;
import io.moestream.moe.tensor.Param;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Precision;
import io.moestream.moe.tensor.Rng;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/**
 * One model and everything needed to keep training it: parameters, AdamW state, active expert
 * slots, step counter, RNG and the {@link ExpertSetPolicy} that changes the expert set (with the
 * routing records it keeps). Each {@link #train} call is one prequential step: score the batch,
 * back-propagate, update, then let the policy act (DynMoE's lifecycle at a window's end, EvoMoE's
 * schedule).
 *
 * <p>Memory discipline: parameters and moments live in one long-lived manager; every other tensor
 * of a step lives in a sub-manager closed when the step returns. Nothing returned is a tensor. Not
 * thread-safe: one thread drives one trainer (libtorch grad mode is per thread).
 */
public final class MoeTrainer implements AutoCloseable {
  private final ModelConfig model;
  private final TrainConfig train;
  private final NDManager root;
  private final ParameterStore store;
  private final CausalLm lm;
  private final AdamW optimizer;
  private final boolean[][] active;
  private final ExpertSetPolicy policy;
  private final Rng rng;
  private long step;

  /**
   * Test hook: runs once on the parameters after the next backward pass (see NonFiniteStepTest).
   */
  private Consumer<ParameterStore> afterNextBackward;

  private MoeTrainer(
      ModelConfig model, TrainConfig train, Device device, Consumer<ParameterStore> initialValues) {
    this.model = model;
    this.train = train;
    // Checked before any native memory is taken: a refused budget must not leak a model.
    Router router = Routers.create(model.router(), train.budget());
    this.root = NDManager.newBaseManager(device);
    try {
      this.store = new ParameterStore(root.newSubManager());
      this.lm = new CausalLm(model, router);
      this.rng = new Rng(train.seed());
      ModelInit.register(model, router, store, rng);
      if (initialValues != null) {
        // Before the policy starts: EvoMoE's start may replicate experts from these values.
        Autograd.noGrad(() -> initialValues.accept(store));
      }
      this.optimizer = new AdamW(train, store, model.layers(), router.slots());
      this.active = new boolean[model.layers()][router.slots()];
      for (boolean[] layer : active) {
        Arrays.fill(layer, 0, model.router().experts(), true);
      }
      this.policy =
          ExpertSetPolicies.create(
              model.router(),
              new ExpertSetContext(model, train, router.slots(), store, optimizer, active, rng));
      try (NDScope scope = new NDScope()) {
        policy.start();
      }
    } catch (RuntimeException | Error e) {
      // e.g. an upcycling source that does not fit: free the half-built model's native memory
      root.close();
      throw e;
    }
    root.cap(); // from here on, tensors live in the store or in a step's sub-manager, never here
  }

  /** A fresh model on the engine's default device (a GPU when one is visible, else the CPU). */
  public static MoeTrainer create(ModelConfig model, TrainConfig train) {
    return new MoeTrainer(model, train, null, null);
  }

  public static MoeTrainer create(ModelConfig model, TrainConfig train, Device device) {
    return new MoeTrainer(model, train, device, null);
  }

  /**
   * A fresh model whose registered values (drawn from the seed as by {@link #create}) are then
   * overwritten by {@code initialValues}, before the optimizer and the expert-set policy start: the
   * hook of {@link Upcycling}. Step 0, zero AdamW moments, as any fresh model.
   */
  static MoeTrainer create(
      ModelConfig model, TrainConfig train, Device device, Consumer<ParameterStore> initialValues) {
    return new MoeTrainer(model, train, device, initialValues);
  }

  /**
   * How each layer's tokens reach its experts from the next step on ({@link
   * ExpertDispatch#PER_EXPERT} unless set). A speed choice, not part of the model or its snapshot:
   * both dispatches compute the same function to float rounding.
   */
  public MoeTrainer expertDispatch(ExpertDispatch dispatch) {
    lm.expertDispatch(dispatch);
    return this;
  }

  public ExpertDispatch expertDispatch() {
    return lm.expertDispatch();
  }

  /**
   * Computes the model's dense matmuls in {@code p} from the next step on ({@link Precision#FP32}
   * unless set). A run setting like the device, not part of the model: the parameters (master
   * weights), AdamW's moments and every snapshot stay float32, so a model trained in bf16 restores
   * and serves in fp32, and a restored model can go on in either.
   */
  public MoeTrainer precision(Precision p) {
    lm.precision(p);
    return this;
  }

  public Precision precision() {
    return lm.precision();
  }

  /** One prequential training step on {@code batch} (B, T+1) token ids, all of modality 0. */
  public StepResult train(int[][] batch) {
    return train(batch, null);
  }

  /**
   * One prequential training step on {@code batch} (B, T+1) token ids whose rows carry modality ids
   * (B,) — the {@code domain}/{@code modality} of their records through a {@link
   * io.moestream.moe.config.ModalityMap}; null means all 0. Only the DTR router reads them.
   *
   * <p>Forward, backward, optimizer step, then the {@link ExpertSetPolicy}: it planned what the
   * step trains and records, and returns what changed in the expert set (DynMoE's prunes and spawns
   * at a window's end, EvoMoE's {@link ChangeKind#STAGE_CHANGED}).
   */
  public StepResult train(int[][] batch, int[] rowModality) {
    long started = System.nanoTime();
    long s = step;
    StepPlan plan = policy.plan(s);
    double task;
    double aux;
    double norm;
    List<LayerStats> stats;
    long forwarded;
    long backwarded;
    long applied;
    // The scope closes every tensor created during the step, including results of ops whose
    // receiver is a parameter (DJL puts those in the parameter's manager, which lives forever).
    try (NDScope scope = new NDScope();
        NDManager m = root.newSubManager()) {
      CausalLm.Forward f =
          Autograd.recording(
              () -> lm.forward(m, store, batch, rowModality, active, true, s, plan.recordInto()));
      forwarded = System.nanoTime();
      stats = f.layers();
      // Backward before anything is read: the loss, the aux loss, the gradients' squared norm and
      // the routing records' R_S sums then cross to the host in ONE transfer, and the host decides
      // from them whether to update. A non-finite loss still skips the update exactly as before:
      // its gradients are gathered only to be zeroed (a skipped step leaves no trace).
      Autograd.backward(Autograd.recording(() -> f.task().add(f.auxWeighted())));
      backwarded = System.nanoTime();
      if (afterNextBackward != null) {
        Autograd.noGrad(() -> afterNextBackward.accept(store));
        afterNextBackward = null;
      }
      AdamW.Gradients grads = optimizer.gather(m, active, plan.trainable());
      RoutingRecords[] recorded = plan.recordInto();
      int layers = recorded == null ? 0 : recorded.length;
      NDArray[] parts = new NDArray[3 + layers];
      parts[0] = f.task();
      parts[1] = f.auxWeighted();
      parts[2] = grads.squaredNorm();
      for (int l = 0; l < layers; l++) {
        parts[3 + l] = recorded[l].pendingUnroutedSum();
      }
      double[][] host = DeviceReads.doubles(parts);
      task = host[0][0];
      aux = host[1][0];
      for (int l = 0; l < layers; l++) {
        if (host[3 + l] != null) {
          recorded[l].settle(host[3 + l]);
        }
      }
      if (Double.isFinite(task) && Double.isFinite(aux)) {
        norm = optimizer.apply(grads, host[2] == null ? 0 : host[2][0]);
      } else {
        optimizer.discard(grads);
        norm = Double.NaN;
      }
      applied = System.nanoTime();
    } // closing the scope frees every tensor of the step: the "release" phase
    long released = System.nanoTime();
    ExpertSetChanges changed;
    try (NDScope scope = new NDScope()) {
      changed = policy.afterStep(s, plan, stats, Double.isFinite(norm));
    }
    long ended = System.nanoTime();
    step++;
    double[] avgK = new double[stats.size()];
    long[][] perExpert = new long[stats.size()][];
    long pairs = 0;
    for (int l = 0; l < avgK.length; l++) {
      avgK[l] = stats.get(l).avgK();
      pairs += stats.get(l).pairs();
      perExpert[l] = stats.get(l).perExpert();
    }
    int tokens = batch.length * (batch[0].length - 1);
    return new StepResult(
        s,
        tokens,
        task,
        aux,
        norm,
        !Double.isFinite(norm),
        avgK,
        activeCounts(),
        pairs,
        perExpert,
        changed.changes(),
        ended - started,
        changed.refusedNoSlot(),
        changed.refusedNonFinite(),
        new StepPhases(
            forwarded - started,
            backwarded - forwarded,
            applied - backwarded,
            released - applied,
            ended - released));
  }

  /** Scores {@code batch} in inference mode (DynMoE top-1 fallback); the model is not changed. */
  public EvalResult evaluate(int[][] batch) {
    return evaluate(batch, null);
  }

  /** {@link #evaluate(int[][])} with per-row modality ids (B,), or null for all 0. */
  public EvalResult evaluate(int[][] batch, int[] rowModality) {
    try (NDScope scope = new NDScope();
        NDManager m = root.newSubManager()) {
      CausalLm.Forward f =
          Autograd.noGrad(
              () -> lm.forward(m, store, batch, rowModality, active, false, step, null));
      return new EvalResult(scalar(f.task()), batch.length * (batch[0].length - 1), f.layers());
    }
  }

  /** The EvoMoE stage the next step trains in; null for other routers. */
  public EvoMoeConfig.Stage stage() {
    return policy.stage(step);
  }

  /**
   * Per layer, the mean pairwise cosine similarity of the active experts' parameter vectors
   * (EvoMoE's "expert uniformity"); NaN for a layer with fewer than two active experts.
   */
  public double[] expertUniformity() {
    double[] out = new double[model.layers()];
    for (int l = 0; l < out.length; l++) {
      out[l] = ExpertUniformity.meanPairwiseCosine(store, l, active[l]);
    }
    return out;
  }

  private static double scalar(NDArray a) {
    return DeviceReads.scalar(a);
  }

  /**
   * Test hook: {@code fault} runs once, on the parameters and their accumulated gradients, right
   * after the next step's backward pass — how a test makes one gradient overflow.
   */
  void afterNextBackward(Consumer<ParameterStore> fault) {
    this.afterNextBackward = fault;
  }

  public long step() {
    return step;
  }

  public ModelConfig modelConfig() {
    return model;
  }

  public TrainConfig trainConfig() {
    return train;
  }

  /** Active expert slots per layer (copies). */
  public boolean[][] activeSlots() {
    boolean[][] copy = new boolean[active.length][];
    for (int i = 0; i < copy.length; i++) {
      copy[i] = active[i].clone();
    }
    return copy;
  }

  public int[] activeCounts() {
    int[] n = new int[active.length];
    for (int l = 0; l < n.length; l++) {
      n[l] = Lifecycle.count(active[l]);
    }
    return n;
  }

  /** Host copy of a DynMoE layer's gate (thresholds, gate columns, active slots). */
  public GateView gate(int layer) {
    if (!store.contains(DynMoeRouter.thresholdsName(layer))) {
      throw new IllegalStateException("only DynMoE has a threshold gate");
    }
    double[] thr = Lifecycle.values(store.get(DynMoeRouter.thresholdsName(layer)));
    NDArray simArray = store.get(DynMoeRouter.simName(layer));
    int d = (int) simArray.getShape().get(0);
    int e = (int) simArray.getShape().get(1);
    double[] flat = Lifecycle.values(simArray);
    double[][] sim = new double[d][e];
    for (int r = 0; r < d; r++) {
      System.arraycopy(flat, r * e, sim[r], 0, e);
    }
    return new GateView(layer, thr, sim, active[layer].clone());
  }

  public long parameterCount() {
    return store.parameterCount();
  }

  /** sha256 over every parameter (name, dtype, shape, bytes) and the active-slot masks. */
  public String digest() {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (Param p : store.all()) {
        md.update(p.name().getBytes(StandardCharsets.UTF_8));
        md.update(p.value().getShape().toString().getBytes(StandardCharsets.UTF_8));
        md.update(p.value().toByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
      }
      for (boolean[] layer : active) {
        ByteBuffer b = ByteBuffer.allocate(layer.length);
        for (boolean a : layer) {
          b.put((byte) (a ? 1 : 0));
        }
        md.update(b.flip());
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The parameters themselves: for the snapshot codec, and for tests that read or corrupt one. */
  ParameterStore store() {
    return store;
  }

  AdamW optimizer() {
    return optimizer;
  }

  RoutingRecords[] records() {
    return policy.records();
  }

  ExpertSetPolicy policy() {
    return policy;
  }

  /** Copies of the current recording window's routing records, per layer. */
  public RoutingRecords[] routingRecords() {
    RoutingRecords[] records = policy.records();
    RoutingRecords[] out = new RoutingRecords[records.length];
    for (int l = 0; l < records.length; l++) {
      RoutingRecords r = records[l];
      out[l] = new RoutingRecords(r.activations(), r.unroutedSum(), r.tokens(), r.unroutedTokens());
    }
    return out;
  }

  /** Replaces the routing records (from a restore), one per layer. */
  public void restoreRoutingRecords(RoutingRecords[] restored) {
    RoutingRecords[] records = policy.records();
    if (restored.length != records.length) {
      throw new IllegalArgumentException(
          "routing records for " + restored.length + " layers, the model has " + records.length);
    }
    System.arraycopy(restored, 0, records, 0, records.length);
  }

  Rng rng() {
    return rng;
  }

  void restoreCounters(long step, boolean[][] activeSlots) {
    this.step = step;
    for (int l = 0; l < active.length; l++) {
      System.arraycopy(activeSlots[l], 0, active[l], 0, active[l].length);
    }
  }

  NDManager rootManager() {
    return root;
  }

  @Override
  public void close() {
    store.close();
    root.close();
  }
}
