package io.moestream.moe.serve;

import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.data.TextCorpus;
import io.moestream.moe.train.MoeTrainer;
import java.util.Arrays;

/** A small DynMoE model trained on real text until its expert set has changed. */
final class ExportFixtures {
  static final int CTX = 16;

  private ExportFixtures() {}

  static MoeTrainer trained(int steps) {
    ModelConfig mc = new ModelConfig(259, 16, 2, 2, CTX, 24, RouterConfig.dynMoe(2, 6));
    TrainConfig tc = TrainConfig.defaults(5).withWindow(new RecordingWindow(2, 3, 4));
    MoeTrainer t = MoeTrainer.create(mc, tc);
    for (int i = 0; i < steps; i++) {
      t.train(batch(i, i % 2));
    }
    return t;
  }

  /** Batch {@code i} (4 windows of CTX + 1 tokens) of corpus domain {@code domain}. */
  static int[][] batch(int i, int domain) {
    int[] text = TextCorpus.bundled().domains().get(domain).tokens();
    int[][] b = new int[4][];
    for (int r = 0; r < b.length; r++) {
      int start = (i * b.length + r) * (CTX + 1);
      b[r] = Arrays.copyOfRange(text, start, start + CTX + 1);
    }
    return b;
  }
}
