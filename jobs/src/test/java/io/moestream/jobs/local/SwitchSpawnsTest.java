package io.moestream.jobs.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.local.SwitchSpawns.Spawn;
import io.moestream.jobs.local.SwitchSpawns.Switch;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class SwitchSpawnsTest {
  private static final List<Switch> SWITCHES =
      List.of(
          new Switch("english", "code", 100),
          new Switch("code", "german", 200),
          new Switch("german", "french", 230));

  @Test
  void aSwitchOwnsTheSpawnsOfTheNextTwoWindowsInStepOrder() {
    List<Spawn> spawns =
        List.of(
            new Spawn(139, 1, 6),
            new Spawn(99, 0, 4), // the step before the switch: not caused by it
            new Spawn(119, 0, 5),
            new Spawn(119, 1, 5),
            new Spawn(140, 0, 7)); // 100 + 2 * 20: the third window
    List<String> lines = SwitchSpawns.lines(SWITCHES, spawns, 20, 300);

    assertThat(lines.get(0))
        .isEqualTo(
            "english -> code at step 100: 3 spawns within two windows (steps 100-139; 0.7 by"
                + " chance): layer 0 slot 5, layer 1 slot 5, layer 1 slot 6");
    assertThat(lines.get(1))
        .as("no spawn in 200-229: zero, and the range stops where the next switch starts")
        .isEqualTo(
            "code -> german at step 200: 0 spawns within two windows (steps 200-229; 0.5 by"
                + " chance)");
    assertThat(lines.get(2)).startsWith("german -> french at step 230: 0 spawns");
  }

  @Test
  void theChanceExpectationSpreadsTheRunsSpawnsEvenlyOverItsSteps() {
    List<Spawn> spawns = List.of(new Spawn(10, 0, 4), new Spawn(205, 0, 5));
    // 2 spawns over 500 steps: 40 of them expect 0.16, 30 of them 0.12
    assertThat(SwitchSpawns.lines(SWITCHES, spawns, 20, 500).get(0))
        .contains("0 spawns within two windows (steps 100-139; 0.2 by chance)");
    assertThat(SwitchSpawns.lines(SWITCHES, spawns, 20, 500).get(1))
        .endsWith("1 spawn within two windows (steps 200-229; 0.1 by chance): layer 0 slot 5");
  }

  @Test
  void aSwitchTheRunDidNotReachSaysSoAndTheLastRangeEndsWithTheRun() {
    List<Spawn> spawns = List.of(new Spawn(104, 0, 4));
    List<String> lines = SwitchSpawns.lines(SWITCHES, spawns, 20, 110);

    assertThat(lines.get(0))
        .isEqualTo(
            "english -> code at step 100: 1 spawn within two windows (steps 100-109; 0.1 by"
                + " chance): layer 0 slot 4");
    assertThat(lines.subList(1, 3))
        .containsExactly(
            "code -> german at step 200: not reached", "german -> french at step 230: not reached");
  }

  @Test
  void printPutsTheLinesUnderAHeadingThatSaysWhatChanceMeans() {
    StringWriter text = new StringWriter();
    SwitchSpawns.print(new PrintWriter(text, true), SWITCHES, List.of(), 20, 300);

    assertThat(text.toString().lines().toList())
        .hasSize(4)
        .first()
        .asString()
        .contains("spawns near each domain switch", "spread evenly");
    assertThat(text.toString().lines().skip(1)).allMatch(l -> l.startsWith("  "));
  }
}
