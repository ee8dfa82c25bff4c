package io.moestream.moe.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.data.TextCorpus;
import io.moestream.moe.lifecycle.ChangeKind;
import io.moestream.moe.lifecycle.ExpertChange;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Training on the real bundled corpus: every router learns; DynMoE reacts to a domain switch. */
class CorpusLearningTest {

  static Stream<RouterConfig> routers() {
    return Stream.of(
        RouterConfig.dynMoe(4, 8),
        RouterConfig.topK(4, 2),
        RouterConfig.topP(4, 0.4),
        RouterConfig.nullExperts(4, 4, 2),
        RouterConfig.dense());
  }

  @ParameterizedTest
  @MethodSource("routers")
  void prequentialLossFallsForEveryRouter(RouterConfig router) {
    ModelConfig mc = new ModelConfig(259, 32, 2, 2, 32, 64, router);
    TextCorpus.BatchCursor cursor = TextCorpus.bundled().cursor(4, 32);
    List<Double> losses = new ArrayList<>();
    try (MoeTrainer t =
        MoeTrainer.create(
            mc, TrainConfig.defaults(5).withWindow(new RecordingWindow(10, 10, 20)))) {
      for (int i = 0; i < 80; i++) {
        StepResult s = t.train(cursor.next());
        assertThat(s.skipped()).isFalse();
        losses.add(s.prequentialLoss());
      }
    }
    double first = losses.subList(0, 10).stream().mapToDouble(d -> d).average().orElseThrow();
    double last = losses.subList(70, 80).stream().mapToDouble(d -> d).average().orElseThrow();
    assertThat(last).as(router.kind().cliName()).isLessThan(first - 1.0);
  }

  /**
   * English prose until the model has settled (no spawn in the last window before the switch), then
   * source code: DynMoE must spawn an expert within two recording windows of the switch.
   */
  @Test
  void dynMoeSpawnsAnExpertSoonAfterTheDomainSwitches() {
    int ctx = 64;
    int switchStep = 150;
    RecordingWindow window = new RecordingWindow(20, 20, 40);
    ModelConfig mc = new ModelConfig(259, 64, 2, 4, ctx, 128, RouterConfig.dynMoe(4, 16));
    TextCorpus corpus = TextCorpus.bundled();
    TextCorpus.BatchCursor cursor = corpus.cursor(8, ctx, 8L * (ctx + 1) * switchStep);
    List<ExpertChange> spawns = new ArrayList<>();
    try (MoeTrainer t = MoeTrainer.create(mc, TrainConfig.defaults(1).withWindow(window))) {
      while (t.step() < switchStep + 2 * window.period()) {
        int[][] batch = cursor.next();
        if (t.step() < switchStep) {
          assertThat(cursor.domainName()).isEqualTo("english-prose");
        } else {
          assertThat(cursor.domainName()).isEqualTo("source-code");
        }
        for (ExpertChange c : t.train(batch).changes()) {
          if (c.kind() == ChangeKind.SPAWNED) {
            spawns.add(c);
          }
        }
      }
    }
    long lastWindowBeforeSwitch = switchStep - window.period();
    assertThat(spawns)
        .as("settled: no spawn in the last window before the switch")
        .noneMatch(c -> c.step() >= lastWindowBeforeSwitch && c.step() < switchStep);
    assertThat(spawns)
        .as("a spawn within two windows after the switch")
        .anyMatch(c -> c.step() >= switchStep && c.step() < switchStep + 2 * window.period());
  }
}
