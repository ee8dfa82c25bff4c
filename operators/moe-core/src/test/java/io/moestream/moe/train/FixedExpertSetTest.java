package io.moestream.moe.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.moe.config.EvoMoeConfig;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.lifecycle.RoutingRecords;
import io.moestream.moe.tensor.Param;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The expert set of top-k, top-p, null experts and dense: everything trains, nothing changes. */
class FixedExpertSetTest {

  static Stream<RouterConfig> fixedRouters() {
    return Stream.of(
        RouterConfig.topK(4, 2),
        RouterConfig.topP(4, 0.5),
        RouterConfig.nullExperts(4, 2, 2),
        RouterConfig.dense());
  }

  private static MoeTrainer tiny(RouterConfig router) {
    return MoeTrainer.create(
        new ModelConfig(259, 16, 2, 2, 8, 16, router), TrainConfig.defaults(7));
  }

  @ParameterizedTest
  @MethodSource("fixedRouters")
  void everyParameterTrainsNoRoutingIsRecordedAndTheSetNeverChanges(RouterConfig router) {
    try (MoeTrainer t = tiny(router)) {
      assertThat(t.policy()).isInstanceOf(FixedExpertSet.class);
      assertThat(t.stage()).isNull();
      boolean[][] active = t.activeSlots();
      for (int i = 0; i < 3; i++) {
        StepPlan plan = t.policy().plan(t.step());
        assertThat(plan.recordInto()).isNull();
        assertThat(t.store().all()).allMatch(plan.trainable()::test);
        StepResult r = t.train(AdamWSlotStateTest.batch(2, 8, i));
        assertThat(r.changes()).isEmpty();
        assertThat(r.spawnsRefusedNoSlot() + r.spawnsRefusedNonFinite()).isZero();
        assertThat(t.activeSlots()).isEqualTo(active);
      }
      // Even asked directly, after a finite or a skipped step, it changes nothing at all.
      String digest = t.digest();
      long rng = t.rng().state();
      for (boolean finite : new boolean[] {true, false}) {
        assertThat(t.policy().afterStep(t.step(), StepPlan.trainAll(), List.of(), finite))
            .isEqualTo(ExpertSetChanges.none());
      }
      assertThat(t.digest()).isEqualTo(digest);
      assertThat(t.rng().state()).isEqualTo(rng);
      for (RoutingRecords rec : t.routingRecords()) {
        assertThat(rec.tokens()).isZero();
      }
    }
  }

  @ParameterizedTest
  @MethodSource("fixedRouters")
  void theFactoryGivesEachRouterItsPolicy(RouterConfig router) {
    try (MoeTrainer fixed = tiny(router);
        MoeTrainer dyn = tiny(RouterConfig.dynMoe(2, 4));
        MoeTrainer evo = tiny(RouterConfig.evoMoe(4, EvoMoeConfig.paper(2, 2)))) {
      assertThat(fixed.policy()).isInstanceOf(FixedExpertSet.class);
      assertThat(dyn.policy()).isInstanceOf(DynMoeExpertSet.class);
      assertThat(evo.policy()).isInstanceOf(EvoMoeSchedule.class);
      // Every policy keeps one (empty) record per layer, so every snapshot has the same layout.
      for (MoeTrainer t : List.of(fixed, dyn, evo)) {
        assertThat(t.policy().records()).hasSize(2);
      }
    }
  }

  static boolean trains(StepPlan plan, Param p) {
    return plan.trainable().test(p);
  }
}
