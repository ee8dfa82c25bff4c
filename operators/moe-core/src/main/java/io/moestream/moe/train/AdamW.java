package io.moestream.moe.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.router.DynMoeRouter;
import io.moestream.moe.tensor.Autograd;
import io.moestream.moe.tensor.DeviceReads;
import io.moestream.moe.tensor.Param;
import io.moestream.moe.tensor.ParameterStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * AdamW (decoupled weight decay) with global-norm gradient clipping, aware of expert slots:
 *
 * <ul>
 *   <li>only active slots update — a free or pruned slot's weights and moments stay exactly as they
 *       were ("kept for audit until reused");
 *   <li>each slot has its own step count ("age") for bias correction, so a spawned expert whose
 *       moments were reset starts like a fresh parameter instead of taking a 1/√(1−β₂)-sized first
 *       step; gate tensors whose last axis indexes slots get per-column ages and masks.
 * </ul>
 *
 * <pre>
 * m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²
 * θ ← θ − lr·λ·θ − lr · (m / (1−β₁^age)) / (√(v / (1−β₂^age)) + ε)
 * </pre>
 *
 * <p><b>One update per group, not per tensor.</b> Tensors that share an age and a learning rate —
 * the shared tensors, the routers', and each expert slot's own ({@link UpdateGroups}) — are packed
 * into one flat buffer per group ({@link ParameterStore#pack}; the parameters become views of it),
 * as are their moments, so a group's update is the formula above once on the buffer. Gate tensors
 * with per-column ages, the thresholds (their own learning rate), and any tensor of a group that
 * does not train whole this step (an EvoMoE stage freezing part of it) are updated one by one.
 *
 * <p><b>Where the arithmetic runs</b> is an {@link UpdateKernel}: on the CPU one Java pass over the
 * tensors' memory ({@link HostUpdates}: each element read and written once, no libtorch call),
 * elsewhere libtorch operations on the flat buffers ({@link TorchUpdates}: about 15 calls a group).
 * Both evaluate {@link AdamWStep}'s formula operation by operation in float32; they differ in last
 * bits (libtorch's square root on the CPU is MKL's, not always correctly rounded; the norm is
 * summed in double on the host, which moves the clipping scale), and each is deterministic.
 */
public final class AdamW {
  private final TrainConfig config;
  private final ParameterStore store;
  private final Map<String, NDArray[]> moments = new LinkedHashMap<>();

  /** DynMoE's thresholds G, which learn at lr × thresholdLrScale; named once, not every step. */
  private final Set<String> thresholds = new HashSet<>();

  private final long[][] slotAge;
  private long sharedAge;

  /** The packed update groups; a parameter in none of them is updated on its own. */
  private final List<UpdateGroups.Group> groups = new ArrayList<>();

  /** The element-wise arithmetic: libtorch's, or a Java pass on the CPU. */
  private final UpdateKernel kernel;

  /** Groups the last update applied packed (the others' tensors went one by one); for tests. */
  private int packedUpdates;

  /** Packs the store's parameters into update groups (see the class comment). */
  public AdamW(TrainConfig config, ParameterStore store, int layers, int slots) {
    this(config, store, layers, slots, true, UpdateKernel.forDevice(store.manager().getDevice()));
  }

  /**
   * @param pack whether to pack update groups ({@code false}: every tensor updated on its own, the
   *     reference the packed update is tested against)
   * @param kernel where the arithmetic runs (tests compare the two)
   */
  AdamW(
      TrainConfig config,
      ParameterStore store,
      int layers,
      int slots,
      boolean pack,
      UpdateKernel kernel) {
    this.config = config;
    this.store = store;
    this.kernel = kernel;
    this.slotAge = new long[layers][slots];
    for (Param p : store.all()) {
      if (p.layer() >= 0 && p.name().equals(DynMoeRouter.thresholdsName(p.layer()))) {
        thresholds.add(p.name());
      }
    }
    if (pack) {
      groups.addAll(UpdateGroups.pack(store, thresholds, moments));
    }
    NDManager m = store.manager();
    for (Param p : store.all()) {
      if (!moments.containsKey(p.name())) {
        NDArray mean = m.zeros(p.value().getShape(), p.value().getDataType());
        NDArray var = m.zeros(p.value().getShape(), p.value().getDataType());
        moments.put(p.name(), new NDArray[] {mean, var});
      }
    }
  }

  /** How many packed groups the last update applied as one (see the class comment). */
  int packedUpdates() {
    return packedUpdates;
  }

  /** The (m, v) moments of a parameter; owned by the store's manager. */
  public NDArray[] moments(String name) {
    return moments.get(name);
  }

  public long sharedAge() {
    return sharedAge;
  }

  public long[][] slotAges() {
    long[][] copy = new long[slotAge.length][];
    for (int i = 0; i < copy.length; i++) {
      copy[i] = slotAge[i].clone();
    }
    return copy;
  }

  /** Restores ages from a snapshot. */
  public void setAges(long shared, long[][] slots) {
    this.sharedAge = shared;
    for (int i = 0; i < slotAge.length; i++) {
      System.arraycopy(slots[i], 0, slotAge[i], 0, slotAge[i].length);
    }
  }

  /**
   * Applies one update from the accumulated gradients, then zeroes them, updating only the
   * parameters {@code trainable} accepts: the others keep their values and moments (their gradients
   * are zeroed and count neither in the norm nor in the clipping), and an expert slot none of whose
   * tensors trains keeps its age. EvoMoE's stages freeze parameters this way; the other policies
   * train everything.
   *
   * @param step the step's manager: gradients and temporaries are moved or created there
   * @return the global gradient norm before clipping; NaN or infinite means no update was applied
   */
  public double step(NDManager step, boolean[][] active, Predicate<Param> trainable) {
    Gradients g = gather(step, active, trainable);
    return apply(g, g.squaredNorm() == null ? 0 : DeviceReads.scalar(g.squaredNorm()));
  }

  /**
   * A step's accumulated gradients, taken from their leaves, and their squared global norm as a
   * tensor — nothing read to the host yet, so the trainer can read the norm together with the
   * step's other results in one transfer, then {@link #apply} or {@link #discard} them.
   */
  public static final class Gradients {
    private final NDManager step;
    private final Map<String, NDArray> grads;
    private final List<String> frozen;
    private final boolean[][] slotTrains;
    private final boolean[][] active;
    private final NDArray squaredNorm;

    private Gradients(
        NDManager step,
        Map<String, NDArray> grads,
        List<String> frozen,
        boolean[][] slotTrains,
        boolean[][] active,
        NDArray squaredNorm) {
      this.step = step;
      this.grads = grads;
      this.frozen = frozen;
      this.slotTrains = slotTrains;
      this.active = active;
      this.squaredNorm = squaredNorm;
    }

    /** () Σ g² over the trainable gradients; null when nothing trains. */
    public NDArray squaredNorm() {
      return squaredNorm;
    }
  }

  /**
   * Collects the gradients of the parameters {@code trainable} accepts (inactive slots excluded)
   * and their squared norm, on the device.
   *
   * @param step the step's manager: gradient handles and temporaries are moved or created there
   */
  public Gradients gather(NDManager step, boolean[][] active, Predicate<Param> trainable) {
    return Autograd.noGrad(() -> collect(step, active, trainable));
  }

  /**
   * Applies the update from gathered gradients, given their squared norm read on the host, then
   * zeroes every gathered gradient (frozen ones included).
   *
   * @return the global gradient norm before clipping; NaN or infinite means no update was applied
   */
  public double apply(Gradients g, double squaredNorm) {
    return Autograd.noGrad(() -> update(g, Math.sqrt(squaredNorm)));
  }

  /** Drops a step's gathered gradients without an update (a skipped step): zeroes them all. */
  public void discard(Gradients g) {
    Autograd.noGrad(
        () -> {
          zero(g.frozen);
          zero(g.grads.keySet());
        });
  }

  private Gradients collect(NDManager step, boolean[][] active, Predicate<Param> trainable) {
    Map<String, NDArray> grads = new LinkedHashMap<>();
    List<String> frozen = new ArrayList<>();
    boolean[][] slotTrains =
        new boolean[slotAge.length][slotAge.length == 0 ? 0 : slotAge[0].length];
    for (Param p : store.all()) {
      if (p.isExpertSlot() && !active[p.layer()][p.slot()]) {
        continue;
      }
      NDArray g = p.value().getGradient();
      g.attach(step); // the handle dies with the step
      if (!trainable.test(p)) {
        frozen.add(p.name());
        continue;
      }
      if (p.isExpertSlot()) {
        slotTrains[p.layer()][p.slot()] = true;
      }
      grads.put(p.name(), g);
    }
    NDArray sq = kernel.squaredNorm(step, grads.values());
    return new Gradients(step, grads, frozen, slotTrains, active, sq);
  }

  private double update(Gradients gathered, double norm) {
    packedUpdates = 0;
    NDManager step = gathered.step;
    Map<String, NDArray> grads = gathered.grads;
    boolean[][] slotTrains = gathered.slotTrains;
    boolean[][] active = gathered.active;
    // Gradients accumulate: a frozen parameter must not carry them into a later stage.
    zero(gathered.frozen);
    if (!Double.isFinite(norm)) {
      zero(grads.keySet());
      return norm;
    }
    double coef = config.gradClip() > 0 ? Math.min(1.0, config.gradClip() / (norm + 1e-6)) : 1.0;
    sharedAge++;
    for (int l = 0; l < slotAge.length; l++) {
      for (int s = 0; s < slotAge[l].length; s++) {
        if (active[l][s] && slotTrains[l][s]) {
          slotAge[l][s]++;
        }
      }
    }
    double baseLr = config.learningRate();
    double b1 = config.beta1();
    double b2 = config.beta2();
    AdamWStep shared =
        new AdamWStep(b1, b2, config.eps(), config.weightDecay(), baseLr, sharedAge, coef);
    Set<String> done = new HashSet<>();
    for (UpdateGroups.Group group : groups) {
      List<NDArray> g = new ArrayList<>();
      for (Param p : group.flat().params()) {
        g.add(grads.get(p.name()));
      }
      if (g.contains(null)) {
        continue; // not training whole this step: its trainable tensors go one by one below
      }
      long age = group.slot() >= 0 ? slotAge[group.layer()][group.slot()] : sharedAge;
      kernel.update(group, g, shared.withAge(age));
      group.flat().params().forEach(p -> done.add(p.name()));
      packedUpdates++;
    }
    for (Param p : store.all()) {
      NDArray g = grads.get(p.name());
      if (g == null || done.contains(p.name())) {
        continue;
      }
      NDArray[] mv = moments.get(p.name());
      NDArray theta = p.value();
      double lr = thresholds.contains(p.name()) ? baseLr * config.thresholdLrScale() : baseLr;
      if (p.slotAxis()) {
        AdamWStep columns = shared.withLr(lr);
        kernel.updateColumns(
            step,
            new TensorUpdate(g, mv[0], mv[1], theta, p.decay()),
            active[p.layer()],
            slotAge[p.layer()],
            columns);
      } else {
        long age = p.isExpertSlot() ? slotAge[p.layer()][p.slot()] : sharedAge;
        kernel.update(
            new TensorUpdate(g, mv[0], mv[1], theta, p.decay()), shared.withAge(age).withLr(lr));
      }
    }
    zero(grads.keySet());
    return norm;
  }

  /**
   * Clears the accumulated gradients of the named leaves by filling them with zeros ({@code
   * .grad.zero_()}), not by multiplying by 0: Inf × 0 is NaN, so one overflowing gradient would
   * otherwise poison every later step.
   */
  private void zero(Iterable<String> names) {
    for (String name : names) {
      Autograd.zeroGrad(store.get(name));
    }
  }

  /** A spawned slot starts with zero moments and age 0; every other parameter keeps its state. */
  public void resetSlot(int layer, int slot) {
    Autograd.noGrad(
        () -> {
          for (Param p : store.all()) {
            NDArray[] mv = moments.get(p.name());
            if (p.layer() == layer && p.slot() == slot) {
              mv[0].muli(0);
              mv[1].muli(0);
            } else if (p.layer() == layer && p.slotAxis()) {
              mv[0].set(new NDIndex("..., {}", slot), 0);
              mv[1].set(new NDIndex("..., {}", slot), 0);
            }
          }
        });
    slotAge[layer][slot] = 0;
  }
}
