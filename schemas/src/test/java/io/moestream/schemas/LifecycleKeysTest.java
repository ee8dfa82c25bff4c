package io.moestream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class LifecycleKeysTest {

  @Test
  void kafkaKeyIsModelLayerSlot() {
    assertThat(LifecycleKeys.kafkaKey("m1", 0, 3)).isEqualTo("m1/0/3");
    assertThat(LifecycleKeys.kafkaKey("tenant/a", 2, 7)).isEqualTo("tenant/a/2/7");
  }

  @Test
  void eventIdIsHexSha256OfModelLayerSlotKindStep() {
    // Expected values computed independently: sha256("m1/0/3/SPAWNED/42") etc.
    assertThat(LifecycleKeys.eventId("m1", 0, 3, ExpertEventKind.SPAWNED, 42))
        .isEqualTo("ff8475db4d9bfbaab9cbc5084cc8811c17f79ffe72494257ffb6971709c6cc70");
    assertThat(LifecycleKeys.eventId("tenant/a", 2, 7, ExpertEventKind.PRUNED, 1000))
        .isEqualTo("3775770c3f32679afce1704a9c0522d8ebc19e304e5823e1559b80e6b14c4459");
  }

  @Test
  void eventIdIsDeterministicAndDistinguishesKindAndStep() {
    String a = LifecycleKeys.eventId("m", 1, 2, ExpertEventKind.SPAWNED, 5);
    assertThat(LifecycleKeys.eventId("m", 1, 2, ExpertEventKind.SPAWNED, 5)).isEqualTo(a);
    assertThat(LifecycleKeys.eventId("m", 1, 2, ExpertEventKind.PRUNED, 5)).isNotEqualTo(a);
    assertThat(LifecycleKeys.eventId("m", 1, 2, ExpertEventKind.SPAWNED, 6)).isNotEqualTo(a);
  }

  @Test
  void eventOverloadsUseTheEventsFields() {
    ExpertLifecycleEvent event =
        ExpertLifecycleEvent.newBuilder()
            .setEventId("x")
            .setModelId("m1")
            .setLayer(0)
            .setSlot(3)
            .setKind(ExpertEventKind.SPAWNED)
            .setStep(42)
            .setEventTime(Instant.ofEpochMilli(0))
            .setDirection(List.of())
            .build();
    assertThat(LifecycleKeys.kafkaKey(event)).isEqualTo("m1/0/3");
    assertThat(LifecycleKeys.eventId(event))
        .isEqualTo(LifecycleKeys.eventId("m1", 0, 3, ExpertEventKind.SPAWNED, 42));
  }

  @Test
  void refusesUnknownKindAndEmptyModel() {
    assertThatThrownBy(() -> LifecycleKeys.eventId("m", 0, 0, ExpertEventKind.UNKNOWN, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("UNKNOWN");
    assertThatThrownBy(() -> LifecycleKeys.kafkaKey("", 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LifecycleKeys.kafkaKey(null, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
