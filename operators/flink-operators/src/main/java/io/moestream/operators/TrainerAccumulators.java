package io.moestream.operators;

import io.moestream.moe.serve.ModelExport;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.common.accumulators.ListAccumulator;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.accumulators.LongMaximum;
import org.apache.flink.api.common.accumulators.LongMinimum;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/**
 * What a trainer subtask reports about its run: step times and state-write times as it goes, and at
 * the end the accumulators {@link MoeTrainerOperator#DIGESTS}, {@link
 * MoeTrainerOperator#FIRST_STEP_AT}, {@link MoeTrainerOperator#LAST_STEP_AT} and {@link
 * MoeTrainerOperator#CAPTURE_MILLIS}, which {@code train --bounded} and the pipeline benchmark read
 * from the job result.
 */
final class TrainerAccumulators {
  private long firstStepAt = Long.MAX_VALUE;
  private long lastStepAt;
  private long captureMillis;
  private volatile long lastCaptureMillis;
  private volatile long lastCaptureBytes;

  /** Registers the gauges {@code lastStateWriteMillis} and {@code lastStateWriteBytes}. */
  TrainerAccumulators(MetricGroup metrics) {
    metrics.gauge("lastStateWriteMillis", (Gauge<Long>) () -> lastCaptureMillis);
    metrics.gauge("lastStateWriteBytes", (Gauge<Long>) () -> lastCaptureBytes);
  }

  /** A training step starts now. */
  void stepStarted() {
    firstStepAt = Math.min(firstStepAt, System.currentTimeMillis());
  }

  /** A training step ended now. */
  void stepEnded() {
    lastStepAt = System.currentTimeMillis();
  }

  /** A checkpoint's state write took {@code millis} and wrote {@code bytes} of model entries. */
  void stateWritten(long millis, long bytes) {
    lastCaptureMillis = millis;
    lastCaptureBytes = bytes;
    captureMillis += millis;
  }

  /** Bytes of model entries written at the last checkpoint. */
  long lastStateWriteBytes() {
    return lastCaptureBytes;
  }

  /** Adds this subtask's accumulators, with one digest line per model of {@code sessions}. */
  void publish(RuntimeContext context, Collection<ModelSession> sessions) {
    ListAccumulator<String> digests = new ListAccumulator<>();
    for (ModelSession s : sessions) {
      digests.add(digestLine(s));
    }
    context.addAccumulator(MoeTrainerOperator.DIGESTS, digests);
    if (firstStepAt != Long.MAX_VALUE) {
      context.addAccumulator(MoeTrainerOperator.FIRST_STEP_AT, new LongMinimum(firstStepAt));
      context.addAccumulator(MoeTrainerOperator.LAST_STEP_AT, new LongMaximum(lastStepAt));
    }
    context.addAccumulator(MoeTrainerOperator.CAPTURE_MILLIS, new LongCounter(captureMillis));
  }

  /**
   * {@code modelId=digest@step tokens=count/hash active=slots}: the model's digest ({@link
   * io.moestream.moe.train.MoeTrainer#digest}), the tokens it consumed ({@link
   * io.moestream.state.TrainerCursor}) and its active slots per layer, e.g. {@code 0,1,4|0,2}.
   */
  static String digestLine(ModelSession s) {
    return s.modelId
        + "="
        + s.trainer.digest()
        + "@"
        + s.trainer.step()
        + " tokens="
        + s.cursor.tokens()
        + "/"
        + Long.toHexString(s.cursor.tokenHash())
        + " active="
        + activeSlots(s.trainer.activeSlots());
  }

  /** Active slots per layer, e.g. {@code 0,1,4|0,2}. */
  static String activeSlots(boolean[][] active) {
    List<String> layers = new ArrayList<>();
    for (List<Integer> slots : ModelExport.slots(active)) {
      layers.add(String.join(",", slots.stream().map(String::valueOf).toList()));
    }
    return String.join("|", layers);
  }
}
