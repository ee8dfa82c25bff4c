package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.moe.data.TextCorpus;
import io.moestream.operators.TrainerSettings;
import io.moestream.schemas.ExpertEventKind;
import io.moestream.schemas.ExpertLifecycleEvent;
import io.moestream.schemas.TrainingSummary;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The demo's summary from hand-made topic records: losses land in the domain their steps belong to,
 * and registry spawns in the switch they follow. The fixture's settings summarise every 5 steps and
 * record every 8 (so "two windows" is 16 steps); each domain is 50 steps long.
 */
class DemoProgressTest {
  private final TrainerSettings settings = StreamFixtures.settings();
  private final StringWriter text = new StringWriter();
  private final DemoProgress progress =
      new DemoProgress(
          settings,
          TextCorpus.of(List.of(domain("english"), domain("code"), domain("german"))),
          Long.MAX_VALUE,
          List.of("m"),
          new PrintWriter(text, true));

  @Test
  void everyDomainGetsItsLossAndEverySwitchTheSpawnsThatFollowedIt() {
    summariesUpTo(150);
    spawn(49, 0, 4); // before the first switch
    spawn(55, 1, 4);
    spawn(63, 0, 5);
    spawn(66, 0, 6); // 50 + 16: outside the two windows
    spawn(111, 1, 5);
    progress.printSummary();

    assertThat(text.toString())
        .contains(
            "  english          1.0000", "  code             2.0000", "  german           3.0000")
        .contains(
            "english -> code at step 50: 2 spawns within two windows (steps 50-65; 0.5 by"
                + " chance): layer 1 slot 4, layer 0 slot 5",
            "code -> german at step 100: 1 spawn within two windows (steps 100-115; 0.5 by"
                + " chance): layer 1 slot 5")
        .doesNotContain("not reached");
    assertThat(progress.done()).isTrue();
  }

  @Test
  void whatTheStreamDidNotReachIsSaid() {
    summariesUpTo(70);
    spawn(55, 1, 4);
    progress.printSummary();

    assertThat(text.toString())
        .contains("  german           not reached", "code -> german at step 100: not reached")
        .contains("english -> code at step 50: 1 spawn within two windows (steps 50-65;");
    assertThat(progress.done()).isFalse();
  }

  /** A domain of exactly 50 steps of the fixture's batches. */
  private TextCorpus.Domain domain(String name) {
    return new TextCorpus.Domain(name, new int[50 * settings.tokensPerStep()]);
  }

  /** One summary every 5 steps; its loss says which domain its steps came from (1, 2, 3). */
  private void summariesUpTo(long lastStep) {
    for (long step = 5; step <= lastStep; step += 5) {
      progress.summary(
          TrainingSummary.newBuilder()
              .setModelId("m")
              .setStep(step)
              .setEventTime(Instant.EPOCH)
              .setPrequentialLoss(1 + (step - 1) / 50)
              .setTokens(5L * settings.tokensPerStep())
              .setTokensPerSecond(0)
              .setAvgK(List.of(1.0))
              .setActiveExperts(List.of(4))
              .setSkippedSteps(0)
              .setSpawns(0)
              .setPrunes(0)
              .setSpawnsRefusedNoSlot(0)
              .setSpawnsRefusedNonFinite(0)
              .build());
    }
  }

  private void spawn(long step, int layer, int slot) {
    progress.event(
        ExpertLifecycleEvent.newBuilder()
            .setEventId("e" + step + "/" + layer + "/" + slot)
            .setModelId("m")
            .setLayer(layer)
            .setSlot(slot)
            .setKind(ExpertEventKind.SPAWNED)
            .setStep(step)
            .setEventTime(Instant.EPOCH)
            .setActiveAfter(5)
            .build());
  }
}
