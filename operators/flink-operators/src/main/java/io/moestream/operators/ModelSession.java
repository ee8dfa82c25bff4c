package io.moestream.operators;

import io.moestream.moe.train.ChangedSlots;
import io.moestream.moe.train.MoeTrainer;
import io.moestream.state.TrainerCursor;

/** One model held in memory by a trainer subtask: the trainer, its pending tokens and counters. */
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

  @Override
  public void close() {
    trainer.close();
  }
}
