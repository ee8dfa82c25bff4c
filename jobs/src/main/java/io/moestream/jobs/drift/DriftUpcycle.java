package io.moestream.jobs.drift;

import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.serve.UpcycleSource;
import io.moestream.moe.train.MoeTrainer;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The one call the upcycled preset makes into the MoE library's upcycling (issue 16 point 3): the
 * same path {@code --init-from SNAPSHOT_DIR} takes, so the benchmark measures what users get.
 */
final class DriftUpcycle {
  private DriftUpcycle() {}

  /** A trainer of {@code model} upcycled from the exported model in {@code snapshot}. */
  static MoeTrainer trainer(Path snapshot, ModelConfig model, TrainConfig train)
      throws IOException {
    return UpcycleSource.trainer(model, train, snapshot, null);
  }
}
