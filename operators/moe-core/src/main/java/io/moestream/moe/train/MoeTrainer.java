package io.moestream.moe.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import io.moestream.moe.config.EvoMoeConfig;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RouterKind;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.lifecycle.ChangeKind;
import io.moestream.moe.lifecycle.ExpertChange;
import io.moestream.moe.lifecycle.Lifecycle;
import io.moestream.moe.lifecycle.RoutingRecords;
import io.moestream.moe.lifecycle.SpawnRefusal;
import io.moestream.moe.model.CausalLm;
import io.moestream.moe.model.ExpertUniformity;
import io.moestream.moe.model.LayerStats;
import io.moestream.moe.model.ModelInit;
import io.moestream.moe.router.DtrRouter;
import io.moestream.moe.router.DynMoeRouter;
import io.moestream.moe.router.Router;
import io.moestream.moe.router.Routers;
import io.moestream.moe.tensor.Autograd;
import io.moestream.moe.tensor.Param;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Rng;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One model and everything needed to keep training it: parameters, AdamW state, active expert
 * slots, routing records, step counter and RNG. Each {@link #train} call is one prequential step:
 * score the batch, back-propagate, update, record routing, and — at a recording window's end — run
 * the DynMoE lifecycle.
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
  private final RoutingRecords[] records;
  private final int slots;
  private final Rng rng;
  private long step;

  /**
   * Test hook: runs once on the parameters after the next backward pass (see NonFiniteStepTest).
   */
  private Consumer<ParameterStore> afterNextBackward;

  private MoeTrainer(ModelConfig model, TrainConfig train, Device device) {
    this.model = model;
    this.train = train;
    this.root = NDManager.newBaseManager(device);
    this.store = new ParameterStore(root.newSubManager());
    Router router = Routers.create(model.router());
    this.lm = new CausalLm(model, router);
    this.rng = new Rng(train.seed());
    ModelInit.register(model, router, store, rng);
    this.optimizer = new AdamW(train, store, model.layers(), router.slots());
    this.slots = router.slots();
    this.active = new boolean[model.layers()][router.slots()];
    this.records = new RoutingRecords[model.layers()];
    for (int l = 0; l < model.layers(); l++) {
      for (int s = 0; s < model.router().experts(); s++) {
        active[l][s] = true;
      }
      records[l] = new RoutingRecords(router.slots(), model.dModel());
    }
    if (model.router().kind() == RouterKind.EVOMOE
        && model.router().evo().stageAt(0) != EvoMoeConfig.Stage.WARMUP
        && replicates(EvoMoeConfig.Stage.WARMUP, model.router().evo().stageAt(0))) {
      try (NDScope scope = new NDScope()) {
        replicateExperts(); // the schedule starts past the replication point
      }
    }
    root.cap(); // from here on, tensors live in the store or in a step's sub-manager, never here
  }

  /** A fresh model on the engine's default device (a GPU when one is visible, else the CPU). */
  public static MoeTrainer create(ModelConfig model, TrainConfig train) {
    return new MoeTrainer(model, train, null);
  }

  public static MoeTrainer create(ModelConfig model, TrainConfig train, Device device) {
    return new MoeTrainer(model, train, device);
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
   * <p>EvoMoE: the step trains what its stage trains ({@link #trainable}); in the evolution stage
   * the evolved experts are blended towards expert 0 after the update; when the next step belongs
   * to another stage, a {@link ChangeKind#STAGE_CHANGED} change is returned (and the experts are
   * replicated from expert 0 at the end of warm-up, or without evolution when the DTR begins).
   */
  public StepResult train(int[][] batch, int[] rowModality) {
    long started = System.nanoTime();
    long s = step;
    boolean dynamic = model.router().kind() == RouterKind.DYNMOE;
    boolean evo = model.router().kind() == RouterKind.EVOMOE;
    EvoMoeConfig.Stage stage = evo ? model.router().evo().stageAt(s) : null;
    EvoMoeConfig.Stage next = evo ? model.router().evo().stageAt(s + 1) : null;
    if (dynamic && train.window().beginsAt(s)) {
      for (RoutingRecords r : records) {
        r.reset();
      }
    }
    boolean recording = dynamic && train.window().isRecording(s);
    // This step's routing, added to the window only if the step turns out finite: a skipped step
    // must leave no trace, and its non-finite inputs would otherwise reach R_S.
    RoutingRecords[] stepRecords = recording ? freshRecords() : null;
    double task;
    double aux;
    double norm;
    List<LayerStats> stats;
    // The scope closes every tensor created during the step, including results of ops whose
    // receiver is a parameter (DJL puts those in the parameter's manager, which lives forever).
    try (NDScope scope = new NDScope();
        NDManager m = root.newSubManager()) {
      CausalLm.Forward f =
          Autograd.recording(
              () -> lm.forward(m, store, batch, rowModality, active, true, s, stepRecords));
      task = scalar(f.task());
      aux = scalar(f.auxWeighted());
      stats = f.layers();
      if (Double.isFinite(task) && Double.isFinite(aux)) {
        Autograd.backward(Autograd.recording(() -> f.task().add(f.auxWeighted())));
        if (afterNextBackward != null) {
          Autograd.noGrad(() -> afterNextBackward.accept(store));
          afterNextBackward = null;
        }
        norm = evo ? optimizer.step(m, active, trainable(stage)) : optimizer.step(m, active);
      } else {
        norm = Double.NaN;
      }
      if (stepRecords != null && Double.isFinite(norm)) {
        for (int l = 0; l < records.length; l++) {
          records[l].add(stepRecords[l]);
        }
      }
      if (evo && stage == EvoMoeConfig.Stage.EVOLUTION && model.router().evo().evolve()) {
        double[] beta = ExpertEvolution.drawBetas(model.router().evo(), experts(), rng);
        for (int l = 0; l < model.layers(); l++) {
          ExpertEvolution.evolve(store, l, beta);
        }
      }
      if (evo && next != stage && replicates(stage, next)) {
        replicateExperts();
      }
    }
    List<ExpertChange> changes = new ArrayList<>();
    if (evo && next != stage) {
      changes.add(ExpertChange.stageChanged(s, next.name(), experts()));
    }
    int refusedNoSlot = 0;
    int refusedNonFinite = 0;
    if (dynamic && train.window().endsAfter(s)) {
      try (NDScope scope = new NDScope()) {
        for (int l = 0; l < model.layers(); l++) {
          Lifecycle.Outcome o = lifecycle(l, s);
          changes.addAll(o.changes());
          refusedNoSlot += o.refused() == SpawnRefusal.NO_FREE_SLOT ? 1 : 0;
          refusedNonFinite += o.refused() == SpawnRefusal.NON_FINITE_DIRECTION ? 1 : 0;
        }
      }
    }
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
        changes,
        System.nanoTime() - started,
        refusedNoSlot,
        refusedNonFinite);
  }

  private RoutingRecords[] freshRecords() {
    RoutingRecords[] out = new RoutingRecords[records.length];
    for (int l = 0; l < out.length; l++) {
      out[l] = new RoutingRecords(slots, model.dModel());
    }
    return out;
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

  private int experts() {
    return model.router().experts();
  }

  /**
   * Whether the experts are replicated from expert 0 when the schedule moves from {@code from} to
   * {@code to}: with evolution at the end of warm-up (the blend starts from copies), without it
   * when the DTR stage begins (plain MoE-tuning: copies of the dense FFN as trained by then).
   */
  private boolean replicates(EvoMoeConfig.Stage from, EvoMoeConfig.Stage to) {
    return model.router().evo().evolve()
        ? from == EvoMoeConfig.Stage.WARMUP
        : to == EvoMoeConfig.Stage.DTR;
  }

  /** θ_n ← θ_0 for every evolved expert, with fresh optimizer state. */
  private void replicateExperts() {
    for (int l = 0; l < model.layers(); l++) {
      for (int n = 1; n < experts(); n++) {
        ExpertEvolution.replicate(store, l, n, 0);
        optimizer.resetSlot(l, n);
      }
    }
  }

  /**
   * What EvoMoE trains in {@code stage} (evomoe.txt §3.1, Fig. 2). Always frozen: the DTR before
   * its stage (it is not used) and the evolved experts 1..E−1 before the DTR stage (they are not
   * used, and in evolution they are defined by the blend). With {@link
   * EvoMoeConfig#paperFreezing()}: evolution trains expert 0 only, DTR the hypernetworks and φ
   * only; without it everything else trains in every stage.
   */
  static Predicate<Param> trainable(EvoMoeConfig.Stage stage, boolean paperFreezing) {
    return p -> {
      boolean dtr = DtrRouter.isDtr(p.name());
      boolean evolved = p.isExpertSlot() && p.slot() > 0;
      boolean first = p.isExpertSlot() && p.slot() == 0;
      return switch (stage) {
        case WARMUP -> !dtr && !evolved;
        case EVOLUTION -> paperFreezing ? first : !dtr && !evolved;
        case DTR -> !paperFreezing || dtr;
      };
    };
  }

  private Predicate<Param> trainable(EvoMoeConfig.Stage stage) {
    return trainable(stage, model.router().evo().paperFreezing());
  }

  /** The EvoMoE stage the next step trains in; null for other routers. */
  public EvoMoeConfig.Stage stage() {
    return model.router().kind() == RouterKind.EVOMOE ? model.router().evo().stageAt(step) : null;
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

  private Lifecycle.Outcome lifecycle(int layer, long s) {
    NDArray sim = store.get(DynMoeRouter.simName(layer));
    NDArray thr = store.get(DynMoeRouter.thresholdsName(layer));
    Lifecycle.Outcome outcome =
        Lifecycle.run(layer, s, sim, thr, active[layer], records[layer], train.spawnMinUnrouted());
    List<ExpertChange> raw = outcome.changes();
    long[] re = records[layer].activations();
    List<ExpertChange> out = new ArrayList<>();
    for (ExpertChange c : raw) {
      if (c.kind() == ChangeKind.SPAWNED) {
        int from =
            SpawnInitializer.initialise(
                train.spawnPolicy(),
                model,
                store,
                layer,
                c.slot(),
                c.direction(),
                active[layer],
                re,
                rng);
        optimizer.resetSlot(layer, c.slot());
        out.add(c.withInitialisedFrom(from));
      } else {
        out.add(c);
      }
    }
    records[layer].reset();
    return new Lifecycle.Outcome(out, outcome.refused());
  }

  private static double scalar(NDArray a) {
    return a.toType(DataType.FLOAT64, false).getDouble();
  }

  /**
   * Test hook: {@code fault} runs once, on the parameters and their accumulated gradients, right
   * after the next step's backward pass — how a test makes one gradient overflow.
   */
  void afterNextBackward(Consumer<ParameterStore> fault) {
    this.afterNextBackward = fault;
  }

  /** The parameters themselves: for tests in this package that must corrupt one. */
  ParameterStore parameters() {
    return store;
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
    if (model.router().kind() != RouterKind.DYNMOE) {
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

  // Package-private access for the snapshot codec and tests.
  ParameterStore store() {
    return store;
  }

  AdamW optimizer() {
    return optimizer;
  }

  RoutingRecords[] records() {
    return records;
  }

  /** Copies of the current recording window's routing records, per layer. */
  public RoutingRecords[] routingRecords() {
    RoutingRecords[] out = new RoutingRecords[records.length];
    for (int l = 0; l < records.length; l++) {
      RoutingRecords r = records[l];
      out[l] = new RoutingRecords(r.activations(), r.unroutedSum(), r.tokens(), r.unroutedTokens());
    }
    return out;
  }

  /** Replaces the routing records (from a restore), one per layer. */
  public void restoreRoutingRecords(RoutingRecords[] restored) {
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
