package io.moestream.moe.lifecycle;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import io.moestream.moe.tensor.Autograd;
import io.moestream.moe.tensor.DeviceReads;
import io.moestream.moe.tensor.HostFloats;
import java.util.ArrayList;
import java.util.List;

/**
 * DynMoE's end-of-window lifecycle for one layer (DESIGN §2.1), run after the optimizer step:
 *
 * <ol>
 *   <li>skip entirely when the window saw no tokens;
 *   <li>prune every active expert with R_E = 0 (its weights stay, for audit, until reused);
 *   <li>with {@link LifecycleRules#pruneMaxShare()} p > 0, also prune every active expert whose
 *       usage share {@code R_E / Σ R_E} (Σ over the layer's slots, taken before any prune) is below
 *       p — except the layer's most-used expert (the lowest such slot), which keeps at least one
 *       used expert in the layer whatever p, and except slots still {@code settling} (they have not
 *       trained through the whole window, e.g. spawned at the previous window's end): a share
 *       measured over part of a window is no evidence;
 *   <li>if R_S ≠ 0 and the unrouted tokens are at least {@link LifecycleRules#minUnroutedShare()}
 *       of the window's, spawn one expert in the lowest free slot (possibly one just pruned) with
 *       {@code W_g[:, slot] = R_S / ||R_S||} and {@code G[slot] = 0} — unless R_S / ||R_S|| is not
 *       finite or no slot is free: then the spawn is refused, nothing changes, and the {@link
 *       Outcome} says why ({@link SpawnRefusal}; a non-finite direction is reported first).
 * </ol>
 *
 * Every change carries the share it was taken on ({@link ExpertChange#triggerShare()}). With {@link
 * LifecycleRules#OFFICIAL} this is exactly the official rule set (the conformance cases). Only the
 * gate tensors and the mask change here; the caller initialises the new slot's FFN and resets its
 * optimizer moments. Shapes never change.
 */
public final class Lifecycle {
  private Lifecycle() {}

  /**
   * What one window's lifecycle did in one layer.
   *
   * @param changes the changes in the order applied (prunes by slot, then at most one spawn)
   * @param refused why a spawn the window asked for was not made; {@link SpawnRefusal#NONE} if none
   *     was refused
   */
  public record Outcome(List<ExpertChange> changes, SpawnRefusal refused) {
    public Outcome {
      changes = List.copyOf(changes);
      java.util.Objects.requireNonNull(refused, "refused");
    }
  }

  /**
   * The official prune rule with a minimum unrouted share for a spawn, every slot judged.
   *
   * @param minUnroutedShare spawn only when unrouted tokens are at least this share of the window's
   *     tokens (0: whenever R_S ≠ 0)
   */
  public static Outcome run(
      int layer,
      long step,
      NDArray sim,
      NDArray thresholds,
      boolean[] active,
      RoutingRecords rec,
      double minUnroutedShare) {
    return run(
        layer,
        step,
        sim,
        thresholds,
        active,
        rec,
        new LifecycleRules(minUnroutedShare, 0),
        new boolean[active.length]);
  }

  /**
   * @param sim (d, E) gate representations, updated in place
   * @param thresholds (E,) raw thresholds, updated in place
   * @param active active slots, updated in place
   * @param rules the evidence a spawn and a prune on share need
   * @param settling (E,) slots the share rule must not prune yet (the zero rule still applies)
   * @return the changes in the order applied, and a refused spawn's reason
   */
  public static Outcome run(
      int layer,
      long step,
      NDArray sim,
      NDArray thresholds,
      boolean[] active,
      RoutingRecords rec,
      LifecycleRules rules,
      boolean[] settling) {
    List<ExpertChange> changes = new ArrayList<>();
    if (rec.tokens() == 0) {
      return new Outcome(changes, SpawnRefusal.NONE);
    }
    long[] re = rec.activations();
    long assigned = 0;
    int mostUsed = -1;
    for (int s = 0; s < active.length; s++) {
      if (active[s]) {
        assigned += re[s];
        mostUsed = mostUsed < 0 || re[s] > re[mostUsed] ? s : mostUsed;
      }
    }
    for (int s = 0; s < active.length; s++) {
      if (!active[s]) {
        continue;
      }
      boolean unused = re[s] == 0;
      boolean rarelyUsed =
          rules.pruneMaxShare() > 0
              && !settling[s]
              && s != mostUsed
              // the share the event reports, compared as such: p·assigned would round (0.07·100)
              && ExpertChange.share(re[s], assigned) < rules.pruneMaxShare();
      if (unused || rarelyUsed) {
        active[s] = false;
        changes.add(
            new ExpertChange(
                layer,
                s,
                ChangeKind.PRUNED,
                step,
                new double[0],
                Double.NaN,
                rec.tokens(),
                rec.unroutedTokens(),
                re[s],
                count(active),
                -1,
                "",
                ExpertChange.share(re[s], assigned)));
      }
    }
    boolean enough =
        ExpertChange.share(rec.unroutedTokens(), rec.tokens()) >= rules.minUnroutedShare();
    SpawnRefusal refused = SpawnRefusal.NONE;
    if (!rec.unroutedSumIsZero() && enough) {
      double[] dir = unit(rec.unroutedSum());
      int slot = lowestFree(active);
      if (!allFinite(dir)) {
        refused = SpawnRefusal.NON_FINITE_DIRECTION;
      } else if (slot < 0) {
        refused = SpawnRefusal.NO_FREE_SLOT;
      } else {
        Autograd.noGrad(
            () -> {
              NDArray col = HostFloats.of(sim.getManager(), dir, sim.getDataType());
              sim.set(new NDIndex(":, {}", slot), col);
              thresholds.set(new NDIndex("{}", slot), 0);
              col.close();
            });
        active[slot] = true;
        changes.add(
            new ExpertChange(
                layer,
                slot,
                ChangeKind.SPAWNED,
                step,
                dir,
                0.0,
                rec.tokens(),
                rec.unroutedTokens(),
                0,
                count(active),
                -1,
                "",
                ExpertChange.share(rec.unroutedTokens(), rec.tokens())));
      }
    }
    return new Outcome(changes, refused);
  }

  private static boolean allFinite(double[] v) {
    for (double x : v) {
      if (!Double.isFinite(x)) {
        return false;
      }
    }
    return true;
  }

  static int lowestFree(boolean[] active) {
    for (int s = 0; s < active.length; s++) {
      if (!active[s]) {
        return s;
      }
    }
    return -1;
  }

  public static int count(boolean[] active) {
    int n = 0;
    for (boolean a : active) {
      n += a ? 1 : 0;
    }
    return n;
  }

  static double[] unit(double[] v) {
    double n = 0;
    for (double x : v) {
      n += x * x;
    }
    n = Math.sqrt(n);
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i] / n;
    }
    return out;
  }

  /** Reads a (E,) tensor's values (any float dtype) as doubles. */
  public static double[] values(NDArray a) {
    return DeviceReads.doubles(a);
  }
}
