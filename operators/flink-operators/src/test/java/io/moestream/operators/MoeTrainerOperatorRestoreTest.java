package io.moestream.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RouterConfig;
import io.moestream.schemas.TokenSequence;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.throwable.ThrowableClassifier;
import org.apache.flink.runtime.throwable.ThrowableType;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/**
 * A job restored from state whose models were trained with other settings (submitted with {@code
 * flink run} and changed flags, which the CLI refuses before starting): the operator neither trains
 * the old models under the new settings nor fails on every restart — it fails once, with a
 * non-recoverable error (Flink's restart strategy gives up at once) that names the settings.
 */
class MoeTrainerOperatorRestoreTest {

  @Test
  void restoringModelsOfOtherSettingsFailsOnceWithoutRestartsNamingTheFields() throws Exception {
    OperatorSubtaskState snapshot = trainedState(TrainerHarness.settings());
    TrainerSettings wider =
        settingsWith(new ModelConfig(259, 32, 1, 2, 16, 16, RouterConfig.dynMoe(2, 4)));
    MoeTrainerOperator restored = new MoeTrainerOperator(wider);
    try (var h = TrainerHarness.harness(restored)) {
      h.initializeState(snapshot);
      assertThatThrownBy(h::open)
          .isInstanceOf(SuppressRestartsException.class)
          .satisfies(
              e ->
                  assertThat(ThrowableClassifier.getThrowableType(e))
                      .isEqualTo(ThrowableType.NonRecoverableError))
          .cause()
          .hasMessageStartingWith(
              "model m1 in the restored state was trained with d=16, ctx=8; this job has d=32,"
                  + " ctx=16 (only --parallelism");
    }
  }

  @Test
  void restoringModelsOfTheSameSettingsOpensNormally() throws Exception {
    OperatorSubtaskState snapshot = trainedState(TrainerHarness.settings());
    MoeTrainerOperator restored = new MoeTrainerOperator(TrainerHarness.settings());
    try (var h = TrainerHarness.harness(restored)) {
      h.initializeState(snapshot);
      h.open();
      h.processElement(new StreamRecord<>(TrainerHarness.records("m1", 1, 9).get(0)));
      assertThat(restored.model("m1").step()).isPositive();
    }
  }

  private static OperatorSubtaskState trainedState(TrainerSettings st) throws Exception {
    MoeTrainerOperator op = new MoeTrainerOperator(st);
    try (var h = TrainerHarness.harness(op)) {
      h.open();
      for (TokenSequence r : TrainerHarness.records("m1", 10, 1)) {
        h.processElement(new StreamRecord<>(r));
      }
      return TrainerHarness.checkpoint(h, 1);
    }
  }

  private static TrainerSettings settingsWith(ModelConfig model) {
    TrainerSettings base = TrainerHarness.settings();
    return new TrainerSettings(model, base.train(), base.batchSize(), base.summaryEvery());
  }
}
