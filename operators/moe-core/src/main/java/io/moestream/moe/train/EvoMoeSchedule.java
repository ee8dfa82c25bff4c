package io.moestream.moe.train;

import io.moestream.moe.config.EvoMoeConfig;
import io.moestream.moe.config.EvoMoeConfig.Stage;
import io.moestream.moe.lifecycle.ExpertChange;
import io.moestream.moe.lifecycle.RoutingRecords;
import io.moestream.moe.model.LayerStats;
import io.moestream.moe.router.DtrRouter;
import io.moestream.moe.tensor.Param;
import java.util.List;
import java.util.function.Predicate;

/**
 * EvoMoE's expert set (DESIGN §2.4, evomoe.txt): the step trains what its stage trains ({@link
 * #trainable}); in the evolution stage the evolved experts are blended towards expert 0 after the
 * update; when the next step belongs to another stage, a {@code STAGE_CHANGED} change is returned,
 * and the experts are replicated from expert 0 at the end of warm-up (with evolution) or when the
 * DTR begins (without). The stage is a function of the step alone: nothing to snapshot.
 */
final class EvoMoeSchedule implements ExpertSetPolicy {
  private final EvoMoeConfig evo;
  private final ExpertSetContext parts;
  private final RoutingRecords[] records;

  EvoMoeSchedule(EvoMoeConfig evo, ExpertSetContext parts) {
    this.evo = evo;
    this.parts = parts;
    this.records = parts.emptyRecords();
  }

  @Override
  public void start() {
    Stage first = evo.stageAt(0);
    if (first != Stage.WARMUP && replicates(Stage.WARMUP, first)) {
      replicateExperts(); // the schedule starts past the replication point
    }
  }

  @Override
  public StepPlan plan(long step) {
    return new StepPlan(trainable(evo.stageAt(step), evo.paperFreezing()), null);
  }

  @Override
  public ExpertSetChanges afterStep(
      long step, StepPlan plan, List<LayerStats> routing, boolean finite) {
    Stage stage = evo.stageAt(step);
    Stage next = evo.stageAt(step + 1);
    if (stage == Stage.EVOLUTION && evo.evolve()) {
      double[] beta = ExpertEvolution.drawBetas(evo, parts.experts(), parts.rng());
      for (int l = 0; l < parts.layers(); l++) {
        ExpertEvolution.evolve(parts.store(), l, beta);
      }
    }
    if (next == stage) {
      return ExpertSetChanges.none();
    }
    if (replicates(stage, next)) {
      replicateExperts();
    }
    return new ExpertSetChanges(
        List.of(ExpertChange.stageChanged(step, next.name(), parts.experts())), 0, 0);
  }

  @Override
  public Stage stage(long step) {
    return evo.stageAt(step);
  }

  @Override
  public RoutingRecords[] records() {
    return records;
  }

  /**
   * Whether the experts are replicated from expert 0 when the schedule moves from {@code from} to
   * {@code to}: with evolution at the end of warm-up (the blend starts from copies), without it
   * when the DTR stage begins (plain MoE-tuning: copies of the dense FFN as trained by then).
   */
  private boolean replicates(Stage from, Stage to) {
    return evo.evolve() ? from == Stage.WARMUP : to == Stage.DTR;
  }

  /** θ_n ← θ_0 for every evolved expert, with fresh optimizer state. */
  private void replicateExperts() {
    for (int l = 0; l < parts.layers(); l++) {
      for (int n = 1; n < parts.experts(); n++) {
        ExpertEvolution.replicate(parts.store(), l, n, 0);
        parts.optimizer().resetSlot(l, n);
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
  static Predicate<Param> trainable(Stage stage, boolean paperFreezing) {
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
}
