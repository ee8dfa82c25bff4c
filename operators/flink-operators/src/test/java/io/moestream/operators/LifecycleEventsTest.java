package io.moestream.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.moe.lifecycle.ChangeKind;
import io.moestream.moe.lifecycle.ExpertChange;
import io.moestream.schemas.AvroCodec;
import io.moestream.schemas.ExpertEventKind;
import io.moestream.schemas.ExpertLifecycleEvent;
import org.junit.jupiter.api.Test;

/** Library changes become registry events; EvoMoE's stage change is a model-wide event. */
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
}
