package io.moestream.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.moe.config.RouterConfig;
import io.moestream.schemas.ExpertLifecycleEvent;
import io.moestream.schemas.TokenSequence;
import io.moestream.schemas.TrainingSummary;
import io.moestream.state.TrainerState;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** Harness tests of the keyed trainer on RocksDB: state per slot, restore, independence. */
class MoeTrainerOperatorTest {

  private static void feed(
      KeyedOneInputStreamOperatorTestHarness<String, TokenSequence, ExpertLifecycleEvent> h,
      List<TokenSequence> records)
      throws Exception {
    for (TokenSequence r : records) {
      h.processElement(new StreamRecord<>(r, r.getEventTime().toEpochMilli()));
    }
  }

  @Test
  void aCheckpointWritesOneStateEntryPerExpertSlotPlusSharedAndMeta() throws Exception {
    MoeTrainerOperator op = new MoeTrainerOperator(TrainerHarness.settings());
    try (var h = TrainerHarness.harness(op)) {
      h.open();
      feed(h, TrainerHarness.records("m1", 10, 1)); // 70 tokens: 3 steps, 16 tokens pending
      TrainerHarness.checkpoint(h, 1);
      op.setCurrentKey("m1");
      MapState<String, byte[]> entries =
          op.getKeyedStateStore().getMapState(TrainerState.MODEL_ENTRIES);
      List<String> keys = new ArrayList<>();
      entries.keys().forEach(keys::add);
      assertThat(keys)
          .containsExactlyInAnyOrder(
              "meta", "shared", "slot/0/0", "slot/0/1", "slot/0/2", "slot/0/3");
      int[] pending = op.getKeyedStateStore().getState(TrainerState.PENDING_TOKENS).value();
      assertThat(pending).hasSize(70 - 3 * 18);
      assertThat(op.model("m1").step()).isEqualTo(3);
      var cursor = op.getKeyedStateStore().getState(TrainerState.CURSOR).value();
      assertThat(cursor.getRecords()).isEqualTo(10);
      assertThat(cursor.getTokens()).isEqualTo(70);
      assertThat(cursor.getSteps()).isEqualTo(3);
      var routing = op.getKeyedStateStore().getState(TrainerState.ROUTING_RECORDS).value();
      var live = op.model("m1").routingRecords();
      assertThat(routing.getLayers()).hasSize(1);
      assertThat(routing.getLayers().get(0).getTokens()).isEqualTo(live[0].tokens());
      assertThat(routing.getLayers().get(0).getActivations())
          .containsExactly(
              java.util.Arrays.stream(live[0].activations()).boxed().toArray(Long[]::new));
    }
  }

  @Test
  void closingReportsOneDigestLinePerModel() throws Exception {
    MoeTrainerOperator op = new MoeTrainerOperator(TrainerHarness.settings());
    List<String> expected = new ArrayList<>();
    var h = TrainerHarness.harness(op);
    try {
      h.open();
      feed(h, TrainerHarness.records("m1", 10, 1)); // 70 tokens: 3 steps
      feed(h, TrainerHarness.records("m2", 2, 2)); // 14 tokens: no step yet
      for (String id : List.of("m1", "m2")) {
        var t = op.model(id);
        boolean[] layer0 = t.activeSlots()[0]; // the settings have one layer
        String active =
            java.util.stream.IntStream.range(0, layer0.length)
                .filter(e -> layer0[e])
                .mapToObj(String::valueOf)
                .collect(java.util.stream.Collectors.joining(","));
        expected.add(id + "=" + t.digest() + "@" + t.step() + " active=" + active);
      }
    } finally {
      h.close();
    }
    @SuppressWarnings("unchecked")
    List<String> lines =
        (List<String>)
            h.getEnvironment()
                .getAccumulatorRegistry()
                .getUserMap()
                .get(MoeTrainerOperator.DIGESTS)
                .getLocalValue();
    // id=digest@step tokens=<count>/<hash> active=<slots>; the hash is TrainerCursor's
    List<String> withoutHash =
        lines.stream().sorted().map(l -> l.replaceAll(" tokens=(\\d+)/[0-9a-f]+", "")).toList();
    assertThat(withoutHash).isEqualTo(expected);
    assertThat(lines.stream().sorted().map(l -> l.replaceAll(".* tokens=(\\d+)/.*", "$1")))
        .containsExactly("70", "14");
  }

  @Test
  void oneLongRecordTrainsEveryBatchItHoldsLikeShortRecords() throws Exception {
    List<TokenSequence> short30 = TrainerHarness.records("m1", 30, 6); // 210 tokens: 11 steps
    List<Integer> all = new ArrayList<>();
    short30.forEach(r -> all.addAll(r.getTokens()));
    TokenSequence long1 =
        TokenSequence.newBuilder(short30.get(0)).setTokens(all).build(); // the same tokens at once
    TrainerSettings st = TrainerHarness.settings(RouterConfig.dynMoe(1, 4)); // spawns by step 3
    MoeTrainerOperator a = new MoeTrainerOperator(st);
    MoeTrainerOperator b = new MoeTrainerOperator(st);
    try (var ha = TrainerHarness.harness(a);
        var hb = TrainerHarness.harness(b)) {
      ha.open();
      hb.open();
      feed(ha, short30);
      feed(hb, List.of(long1));
      assertThat(b.model("m1").step()).isEqualTo(a.model("m1").step()).isEqualTo(11);
      assertThat(b.model("m1").digest()).isEqualTo(a.model("m1").digest());
      // lifecycle events of several steps, sent while one record is being processed
      assertThat(ha.extractOutputValues()).isNotEmpty();
      assertThat(hb.extractOutputValues().stream().map(e -> e.getStep()).toList())
          .isEqualTo(ha.extractOutputValues().stream().map(e -> e.getStep()).toList());
    }
  }

  @Test
  void restoringACheckpointIntoAFreshOperatorContinuesWithAnIdenticalModel() throws Exception {
    List<TokenSequence> first = TrainerHarness.records("m1", 11, 2);
    List<TokenSequence> second = TrainerHarness.records("m1", 13, 3);
    MoeTrainerOperator original = new MoeTrainerOperator(TrainerHarness.settings());
    OperatorSubtaskState snapshot;
    try (var h = TrainerHarness.harness(original)) {
      h.open();
      feed(h, first);
      snapshot = TrainerHarness.checkpoint(h, 1);
      feed(h, second);
      String expected = original.model("m1").digest();

      MoeTrainerOperator restored = new MoeTrainerOperator(TrainerHarness.settings());
      try (var h2 = TrainerHarness.harness(restored)) {
        h2.initializeState(snapshot);
        h2.open();
        feed(h2, second);
        assertThat(restored.model("m1").digest()).isEqualTo(expected);
        assertThat(restored.model("m1").step()).isEqualTo(original.model("m1").step());
        List<ExpertLifecycleEvent> after = h.extractOutputValues();
        List<ExpertLifecycleEvent> replayed = h2.extractOutputValues();
        assertThat(after.subList(after.size() - replayed.size(), after.size())).isEqualTo(replayed);
      }
    }
  }

  @Test
  void twoModelsOnOneSubtaskStayIndependent() throws Exception {
    List<TokenSequence> a = TrainerHarness.records("a", 12, 4);
    List<TokenSequence> b = TrainerHarness.records("b", 12, 5);
    List<TokenSequence> interleaved = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      interleaved.add(a.get(i));
      interleaved.add(b.get(i));
    }
    MoeTrainerOperator both = new MoeTrainerOperator(TrainerHarness.settings());
    MoeTrainerOperator onlyA = new MoeTrainerOperator(TrainerHarness.settings());
    try (var h = TrainerHarness.harness(both);
        var hA = TrainerHarness.harness(onlyA)) {
      h.open();
      hA.open();
      feed(h, interleaved);
      feed(hA, a);
      assertThat(both.model("a").digest()).isEqualTo(onlyA.model("a").digest());
      assertThat(both.model("b").digest()).isNotEqualTo(both.model("a").digest());
    }
  }

  @Test
  void lifecycleEventsAndSummariesAreEmittedWithDeterministicIds() throws Exception {
    MoeTrainerOperator op =
        new MoeTrainerOperator(TrainerHarness.settings(RouterConfig.dynMoe(1, 4)));
    try (var h = TrainerHarness.harness(op)) {
      h.open();
      feed(h, TrainerHarness.records("m1", 30, 6)); // 210 tokens: 11 steps, lifecycle after 3, 7
      List<ExpertLifecycleEvent> events = h.extractOutputValues();
      assertThat(events).isNotEmpty();
      for (ExpertLifecycleEvent e : events) {
        assertThat(e.getModelId()).isEqualTo("m1");
        assertThat(e.getStep() % 4).isEqualTo(3);
        assertThat(e.getEventId())
            .isEqualTo(
                io.moestream.schemas.LifecycleKeys.eventId(
                    "m1", e.getLayer(), e.getSlot(), e.getKind(), e.getStep()));
        assertThat(LifecycleEvents.key(e)).isEqualTo("m1/" + e.getLayer() + "/" + e.getSlot());
      }
      var summaries = h.getSideOutput(MoeTrainerOperator.SUMMARIES);
      assertThat(summaries).hasSize(3); // every 3 steps
      TrainingSummary s = summaries.peek().getValue();
      assertThat(s.getStep()).isEqualTo(3);
      assertThat(s.getTokens()).isEqualTo(3 * 16);
      assertThat(s.getActiveExperts()).hasSize(1);
    }
  }

  @Test
  void laterCheckpointsWriteOnlyChangedSlotsAndStillRestoreTheExactModel() throws Exception {
    TrainerSettings st = TrainerHarness.settings(RouterConfig.dynMoe(1, 4));
    MoeTrainerOperator op = new MoeTrainerOperator(st);
    try (var h = TrainerHarness.harness(op)) {
      h.open();
      feed(h, TrainerHarness.records("m1", 5, 7)); // 35 tokens: 1 step, no lifecycle yet
      TrainerHarness.checkpoint(h, 1);
      long full = op.lastStateWriteBytes(); // a fresh model: every slot
      feed(h, TrainerHarness.records("m1", 2, 8)); // one more step, still 1 active slot
      TrainerHarness.checkpoint(h, 2);
      long incremental = op.lastStateWriteBytes(); // meta, shared and slot 0 only
      assertThat(op.model("m1").activeCounts()).containsExactly(1);
      assertThat(incremental).isLessThan(full);

      feed(h, TrainerHarness.records("m1", 30, 9)); // lifecycles after steps 3, 7, …: spawns
      assertThat(h.extractOutputValues()).isNotEmpty();
      OperatorSubtaskState snapshot = TrainerHarness.checkpoint(h, 3);

      MoeTrainerOperator restored = new MoeTrainerOperator(st);
      try (var h2 = TrainerHarness.harness(restored)) {
        h2.initializeState(snapshot);
        h2.open();
        feed(h2, TrainerHarness.records("m1", 1, 10)); // loads the model from state
        feed(h, TrainerHarness.records("m1", 1, 10));
        assertThat(restored.model("m1").digest()).isEqualTo(op.model("m1").digest());
        assertThat(restored.model("m1").step()).isEqualTo(op.model("m1").step());
      }
    }
  }

  @Test
  void aModelOverTheCapBecomesADeadLetterAndTheCapSurvivesARestore() throws Exception {
    TrainerSettings capped = TrainerHarness.settings().withMaxModels(2);
    MoeTrainerOperator original = new MoeTrainerOperator(capped);
    OperatorSubtaskState snapshot;
    try (var h = TrainerHarness.harness(original)) {
      h.open();
      feed(h, TrainerHarness.records("m1", 3, 1));
      feed(h, TrainerHarness.records("m2", 3, 2));
      List<TokenSequence> third = TrainerHarness.records("m3", 3, 3);
      feed(h, third);
      snapshot = TrainerHarness.checkpoint(h, 1);

      var dead = new java.util.ArrayList<io.moestream.schemas.DeadLetter>();
      h.getSideOutput(MoeTrainerOperator.DEAD_LETTERS).forEach(r -> dead.add(r.getValue()));
      assertThat(dead).hasSize(3);
      for (int i = 0; i < 3; i++) {
        assertThat(dead.get(i).getReasonCode())
            .isEqualTo(io.moestream.schemas.DeadLetterReason.MODEL_CAP_EXCEEDED);
        assertThat(dead.get(i).getReason().toString()).contains("m3", "max 2");
        // The raw value is the record itself: it can be replayed once the cap is raised.
        assertThat(TokenSequence.getDecoder().decode(dead.get(i).getRawValue()))
            .isEqualTo(third.get(i));
      }
      assertThat(original.model("m3")).isNull();
      assertThat(original.model("m1")).isNotNull();
    }

    // After a restore, the models in state still count: m3 is refused before m1 or m2 reappear.
    MoeTrainerOperator restored = new MoeTrainerOperator(capped);
    try (var h2 = TrainerHarness.harness(restored)) {
      h2.initializeState(snapshot);
      h2.open();
      feed(h2, TrainerHarness.records("m3", 1, 4));
      feed(h2, TrainerHarness.records("m2", 3, 5));
      assertThat(h2.getSideOutput(MoeTrainerOperator.DEAD_LETTERS)).hasSize(1);
      assertThat(restored.model("m3")).isNull();
      assertThat(restored.model("m2").step()).isPositive();
    }
  }
}
