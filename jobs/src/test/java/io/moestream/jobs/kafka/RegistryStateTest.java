package io.moestream.jobs.kafka;

import static io.moestream.jobs.kafka.RegistryFixtures.event;
import static io.moestream.schemas.ExpertEventKind.PRUNED;
import static io.moestream.schemas.ExpertEventKind.SPAWNED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.moestream.schemas.ExpertLifecycleEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rebuilding expert sets from lifecycle events: order, duplicates, compaction, step cut-off. */
class RegistryStateTest {
  /** Layer 0 of model a, E_init 2: spawn 2 @7; prune 0 and respawn 0 @15; prune 1 @23. */
  static List<ExpertLifecycleEvent> history() {
    return List.of(
        event("a", 0, 2, SPAWNED, 7),
        event("a", 0, 0, PRUNED, 15),
        event("a", 0, 0, SPAWNED, 15),
        event("a", 0, 1, PRUNED, 23),
        event("b", 1, 3, SPAWNED, 7));
  }

  @Test
  void eventsApplyInTheTrainersOrderWhateverOrderTheyArriveIn() {
    List<ExpertLifecycleEvent> shuffled = new ArrayList<>(history());
    java.util.Collections.reverse(shuffled); // a respawn read before its prune must still win
    RegistryState s = RegistryState.of(shuffled, 2, Long.MAX_VALUE);
    assertThat(s.models()).containsExactly("a", "b");
    assertThat(s.layer("a", 0).active()).containsExactly(0, 2);
    assertThat(s.layer("a", 0).history())
        .extracting(e -> e.getStep() + ":" + e.getKind() + ":" + e.getSlot())
        .containsExactly("7:SPAWNED:2", "15:PRUNED:0", "15:SPAWNED:0", "23:PRUNED:1");
    assertThat(s.layer("b", 1).active()).containsExactly(0, 1, 3);
    assertThat(s.layer("b", 0).active()).as("a layer without events").containsExactly(0, 1);
  }

  @Test
  void onlyEventsBeforeASnapshotsStepCount() {
    RegistryState s = RegistryState.of(history(), 2, 15);
    assertThat(s.layer("a", 0).active()).containsExactly(0, 1, 2);
    assertThat(RegistryState.of(history(), 2, 16).layer("a", 0).active()).containsExactly(0, 1, 2);
    assertThat(RegistryState.of(history(), 2, 24).layer("a", 0).active()).containsExactly(0, 2);
  }

  @Test
  void duplicatesCountOnceAndACompactedTopicGivesTheSameSets() {
    List<ExpertLifecycleEvent> twice = new ArrayList<>(history());
    twice.addAll(history());
    assertThat(RegistryState.of(twice, 2, Long.MAX_VALUE).layer("a", 0).history()).hasSize(4);
    Map<String, ExpertLifecycleEvent> compacted = new HashMap<>(); // latest per key survives
    for (ExpertLifecycleEvent e : history()) {
      compacted.put(io.moestream.schemas.LifecycleKeys.kafkaKey(e), e);
    }
    RegistryState s = RegistryState.of(compacted.values(), 2, Long.MAX_VALUE);
    assertThat(s.layer("a", 0).active()).containsExactly(0, 2);
    assertThat(s.layer("a", 0).history()).hasSize(3);
    assertThat(s.layer("b", 1).active()).containsExactly(0, 1, 3);
  }

  @Test
  void theActiveCountOfTheLatestEventTellsAWrongInitialExpertCount() {
    List<ExpertLifecycleEvent> es = List.of(withActiveAfter(event("a", 0, 2, SPAWNED, 7), 3));
    assertThat(RegistryState.of(es, 2, Long.MAX_VALUE).layer("a", 0).consistent()).isTrue();
    assertThat(RegistryState.of(es, 4, Long.MAX_VALUE).layer("a", 0).consistent()).isFalse();
    assertThatThrownBy(() -> RegistryState.of(es, 0, 1)).hasMessageContaining(">= 1");
  }

  private static ExpertLifecycleEvent withActiveAfter(ExpertLifecycleEvent e, int n) {
    return ExpertLifecycleEvent.newBuilder(e).setActiveAfter(n).build();
  }
}
