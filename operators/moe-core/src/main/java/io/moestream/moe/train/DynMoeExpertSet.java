package io.moestream.moe.train;

import ai.djl.ndarray.NDArray;
import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.lifecycle.ChangeKind;
import io.moestream.moe.lifecycle.ExpertChange;
import io.moestream.moe.lifecycle.Lifecycle;
import io.moestream.moe.lifecycle.LifecycleRules;
import io.moestream.moe.lifecycle.RoutingRecords;
import io.moestream.moe.lifecycle.SpawnRefusal;
import io.moestream.moe.model.LayerStats;
import io.moestream.moe.router.DynMoeRouter;
import java.util.ArrayList;
import java.util.List;

/**
 * DynMoE's expert set (DESIGN §2.1): routing is recorded inside each {@link RecordingWindow}, and
 * after the optimizer step of a window's last step every layer runs the {@link Lifecycle} (prune,
 * then spawn) under the config's {@link LifecycleRules}; a spawned slot's FFN is initialised by the
 * {@link TrainConfig#spawnPolicy()} and its optimizer moments start fresh. Every parameter trains
 * every step. A slot whose AdamW age is below the window's length has not trained through the whole
 * window (it was spawned since the window began, at the previous window's end at the earliest), so
 * the prune-on-share rule leaves it alone for this window. Under a {@link
 * io.moestream.moe.config.KBudget} the {@link KBudgetController} moves each layer's thresholds
 * after every finite step, before a window's lifecycle.
 */
final class DynMoeExpertSet implements ExpertSetPolicy {
  private final ExpertSetContext parts;
  private final RecordingWindow window;
  private final RoutingRecords[] records;

  DynMoeExpertSet(ExpertSetContext parts) {
    this.parts = parts;
    this.window = parts.train().window();
    this.records = parts.emptyRecords();
  }

  @Override
  public StepPlan plan(long step) {
    if (window.beginsAt(step)) {
      for (RoutingRecords r : records) {
        r.reset();
      }
    }
    // This step's routing joins the window only if the step turns out finite (afterStep): a
    // skipped step must leave no trace, and its non-finite inputs would otherwise reach R_S.
    return window.isRecording(step)
        ? new StepPlan(StepPlan.trainAll().trainable(), parts.emptyRecords())
        : StepPlan.trainAll();
  }

  @Override
  public ExpertSetChanges afterStep(
      long step, StepPlan plan, List<LayerStats> routing, boolean finite) {
    if (plan.recordInto() != null && finite) {
      for (int l = 0; l < records.length; l++) {
        records[l].add(plan.recordInto()[l]);
      }
    }
    if (finite && parts.train().budget().enabled()) {
      for (int l = 0; l < parts.layers(); l++) {
        KBudgetController.apply(
            parts.store().get(DynMoeRouter.thresholdsName(l)),
            parts.active()[l],
            routing.get(l),
            parts.train().budget());
      }
    }
    if (!window.endsAfter(step)) {
      return ExpertSetChanges.none();
    }
    List<ExpertChange> changes = new ArrayList<>();
    int refusedNoSlot = 0;
    int refusedNonFinite = 0;
    for (int l = 0; l < parts.layers(); l++) {
      Lifecycle.Outcome o = lifecycle(l, step);
      changes.addAll(o.changes());
      refusedNoSlot += o.refused() == SpawnRefusal.NO_FREE_SLOT ? 1 : 0;
      refusedNonFinite += o.refused() == SpawnRefusal.NON_FINITE_DIRECTION ? 1 : 0;
    }
    return new ExpertSetChanges(changes, refusedNoSlot, refusedNonFinite);
  }

  private Lifecycle.Outcome lifecycle(int layer, long step) {
    NDArray sim = parts.store().get(DynMoeRouter.simName(layer));
    NDArray thr = parts.store().get(DynMoeRouter.thresholdsName(layer));
    boolean[] active = parts.active()[layer];
    TrainConfig train = parts.train();
    Lifecycle.Outcome outcome =
        Lifecycle.run(
            layer,
            step,
            sim,
            thr,
            active,
            records[layer],
            new LifecycleRules(train.spawnMinUnrouted(), train.pruneMaxShare()),
            settling(layer));
    long[] re = records[layer].activations();
    List<ExpertChange> out = new ArrayList<>();
    for (ExpertChange c : outcome.changes()) {
      if (c.kind() == ChangeKind.SPAWNED) {
        int from =
            SpawnInitializer.initialise(
                parts.train().spawnPolicy(),
                parts.model(),
                parts.store(),
                layer,
                c.slot(),
                c.direction(),
                active,
                re,
                parts.rng());
        parts.optimizer().resetSlot(layer, c.slot());
        out.add(c.withInitialisedFrom(from));
      } else {
        out.add(c);
      }
    }
    records[layer].reset();
    return new Lifecycle.Outcome(out, outcome.refused());
  }

  /** Slots that have not trained through the whole window just ended (see the class comment). */
  private boolean[] settling(int layer) {
    long[] ages = parts.optimizer().slotAges()[layer];
    boolean[] out = new boolean[ages.length];
    for (int s = 0; s < ages.length; s++) {
      out[s] = ages[s] < window.length();
    }
    return out;
  }

  @Override
  public RoutingRecords[] records() {
    return records;
  }
}
