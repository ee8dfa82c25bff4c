package io.moestream.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.moestream.moe.config.EvoMoeConfig;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.lifecycle.ChangeKind;
import io.moestream.moe.lifecycle.ExpertChange;
import io.moestream.schemas.AvroCodec;
import io.moestream.schemas.ExpertEventKind;
import io.moestream.schemas.ExpertLifecycleEvent;
import io.moestream.schemas.TokenSequence;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/**
 * Library changes become registry events; EvoMoE's stage change is a model-wide event, and the
 * trainer operator publishes it like any other change.
 */
class LifecycleEventsTest {

  @Test
  void aStageChangeIsAModelWideEventNamingTheStage() {
    ExpertLifecycleEvent e =
        LifecycleEvents.of("tenant-a", ExpertChange.stageChanged(199, "DTR", 4), 1_000L, "cfg");
    assertThat(e.getKind()).isEqualTo(ExpertEventKind.STAGE_CHANGED);
    assertThat(e.getStage()).isEqualTo("DTR");
    assertThat(e.getStep()).isEqualTo(199);
    assertThat(e.getLayer()).isEqualTo(-1);
    assertThat(e.getSlot()).isEqualTo(-1);
    assertThat(e.getDirection()).isEmpty();
    assertThat(e.getThreshold()).isNull();
    assertThat(LifecycleEvents.key(e)).isEqualTo("tenant-a/-1/-1");
    assertThat(AvroCodec.decode(AvroCodec.encode(e), ExpertLifecycleEvent.class)).isEqualTo(e);
  }

  @Test
  void spawnsAndPrunesCarryNoStage() {
    ExpertChange prune =
        new ExpertChange(1, 3, ChangeKind.PRUNED, 40, new double[0], Double.NaN, 10, 0, 0, 3, -1);
    ExpertLifecycleEvent e = LifecycleEvents.of("m", prune, 0L, "cfg");
    assertThat(e.getKind()).isEqualTo(ExpertEventKind.PRUNED);
    assertThat(e.getStage()).isNull();
  }

  @Test
  void everyChangeCarriesTheShareItWasTakenOnAndAStageChangeNone() {
    // a spawn on 3 of 40 unrouted tokens: 7.5 %; a prune of an unused expert: 0
    ExpertChange spawn =
        new ExpertChange(0, 1, ChangeKind.SPAWNED, 9, new double[] {1, 0}, 0, 40, 3, 0, 2, 0);
    ExpertChange prune =
        new ExpertChange(0, 2, ChangeKind.PRUNED, 9, new double[0], Double.NaN, 40, 3, 0, 1, -1);
    assertThat(LifecycleEvents.of("m", spawn, 0L, "cfg").getTriggerShare()).isEqualTo(0.075);
    assertThat(LifecycleEvents.of("m", prune, 0L, "cfg").getTriggerShare()).isZero();
    assertThat(LifecycleEvents.of("m", ExpertChange.stageChanged(9, "DTR", 4), 0L, "cfg"))
        .extracting(ExpertLifecycleEvent::getTriggerShare)
        .isNull();
  }

  @Test
  void theTrainerOperatorPublishesTheShareBehindEachDynMoeSpawnAndPrune() throws Exception {
    MoeTrainerOperator op = new MoeTrainerOperator(TrainerHarness.settings());
    try (var h = TrainerHarness.harness(op)) {
      h.open();
      for (TokenSequence r : TrainerHarness.records("m1", 40, 11)) {
        h.processElement(new StreamRecord<>(r, r.getEventTime().toEpochMilli()));
      }
      List<ExpertLifecycleEvent> events = h.extractOutputValues();
      assertThat(events).isNotEmpty();
      for (ExpertLifecycleEvent e : events) {
        if (e.getKind() == ExpertEventKind.SPAWNED) {
          assertThat(e.getTriggerShare())
              .isEqualTo((double) e.getUnroutedTokens() / e.getWindowTokens())
              .isPositive();
        } else {
          assertThat(e.getActivations()).isZero(); // the official rule prunes only unused experts
          assertThat(e.getTriggerShare()).isZero();
        }
      }
    }
  }

  @Test
  void theTrainerOperatorPublishesAnEvoMoeModelsStageChanges() throws Exception {
    MoeTrainerOperator op =
        new MoeTrainerOperator(
            TrainerHarness.settings(RouterConfig.evoMoe(2, EvoMoeConfig.paper(2, 3))));
    try (var h = TrainerHarness.harness(op)) {
      h.open();
      for (TokenSequence r : TrainerHarness.records("m1", 20, 7)) { // 140 tokens: 7 steps
        h.processElement(new StreamRecord<>(r, r.getEventTime().toEpochMilli()));
      }
      List<ExpertLifecycleEvent> events = h.extractOutputValues();
      assertThat(events)
          .extracting(
              ExpertLifecycleEvent::getKind, ExpertLifecycleEvent::getStep, e -> e.getStage())
          .containsExactly(
              tuple(ExpertEventKind.STAGE_CHANGED, 1L, "EVOLUTION"),
              tuple(ExpertEventKind.STAGE_CHANGED, 4L, "DTR"));
      assertThat(events).allSatisfy(e -> assertThat(LifecycleEvents.key(e)).isEqualTo("m1/-1/-1"));
    }
  }
}
