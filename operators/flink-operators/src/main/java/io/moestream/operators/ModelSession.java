package io.moestream.operators;

import io.moestream.moe.train.ChangedSlots;
import io.moestream.moe.train.MoeTrainer;
import io.moestream.moe.train.StepResult;
import io.moestream.schemas.TrainingSummary;
import io.moestream.state.TrainerCursor;

/**
 * One model held in memory by a trainer subtask: the trainer, its pending tokens and counters, and
 * the bookkeeping of each training step.
 */
final class ModelSession implements AutoCloseable {
  final String modelId;
  final MoeTrainer trainer;
  final TokenBuffer buffer;
  final SummaryWindow summary = new SummaryWindow();
  final ModelMetrics metrics;

  /** Expert slots changed since this model was last written to keyed state. */
  final ChangedSlots changed;

  TrainerCursor cursor;

  ModelSession(
      String modelId,
      MoeTrainer trainer,
      TokenBuffer buffer,
      TrainerCursor cursor,
      ModelMetrics metrics,
      ChangedSlots changed) {
    this.modelId = modelId;
    this.trainer = trainer;
    this.buffer = buffer;
    this.cursor = cursor;
    this.metrics = metrics;
    this.changed = changed;
  }

  /** Appends a record's tokens; they wait in the buffer until a batch is full. */
  void consume(int[] tokens, int modality) {
    buffer.append(tokens, modality);
    cursor = cursor.consumed(tokens);
  }

  /**
   * One training step on the oldest full batch, with this session's bookkeeping: the slots to write
   * at the next checkpoint, the cursor, the metrics and the summary window.
   */
  StepResult trainBatch(int batchSize, int window, TrainerFaults faults) throws Exception {
    changed.markActive(trainer.activeSlots()); // the slots this step updates
    faults.beforeStep(modelId, trainer.step() + 1);
    TokenBuffer.Batch batch = buffer.takeBatch(batchSize, window);
    StepResult r = trainer.train(batch.tokens(), batch.rowModality());
    changed.markActive(trainer.activeSlots()); // and those it spawned
    cursor = cursor.trained();
    metrics.record(r);
    summary.add(r);
    return r;
  }

  /**
   * The summary due after the step just trained, or null. On step multiples, so a restore keeps the
   * summary steps of an undisturbed run.
   */
  TrainingSummary summaryDue(int every, long eventTime) {
    if (trainer.step() % every != 0) {
      return null;
    }
    cursor = cursor.summarised();
    return summary.emit(modelId, trainer.step(), eventTime);
  }

  @Override
  public void close() {
    trainer.close();
  }
}
