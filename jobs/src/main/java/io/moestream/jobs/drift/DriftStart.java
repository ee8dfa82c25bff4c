package io.moestream.jobs.drift;

import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.train.MoeTrainer;
import java.io.IOException;

/**
 * Where a run's trainer comes from: fresh random weights from its seed ({@link #SCRATCH}), or the
 * seed's dense warm-up model upcycled into the run's router ({@link #upcycledFrom}).
 */
@FunctionalInterface
interface DriftStart {
  DriftStart SCRATCH = MoeTrainer::create;

  MoeTrainer trainer(ModelConfig model, TrainConfig train) throws IOException;

  /** Every expert slot of the run's model starts as a copy of the warm-up's dense FFN. */
  static DriftStart upcycledFrom(DriftWarmUp.Result warmUp) {
    return (model, train) -> DriftUpcycle.trainer(warmUp.snapshot(), model, train);
  }
}
