package io.moestream.moe.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.data.TextCorpus;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Same seed, same stream → bit-identical model. Run at a size where libtorch's parallel CPU kernels
 * engage (they are what broke this before {@link io.moestream.moe.tensor.Rows}).
 */
class DeterminismTest {

  private static List<Object> run(RouterConfig router) {
    return run(new ModelConfig(259, 128, 2, 4, 128, 256, router));
  }

  private static List<Object> run(ModelConfig mc) {
    TrainConfig tc = TrainConfig.defaults(7).withWindow(new RecordingWindow(4, 4, 8));
    TextCorpus.BatchCursor cursor = TextCorpus.bundled().cursor(8, mc.ctx());
    List<Object> trace = new ArrayList<>();
    try (MoeTrainer t = MoeTrainer.create(mc, tc)) {
      for (int i = 0; i < 16; i++) {
        StepResult s = t.train(cursor.next());
        trace.add(s.prequentialLoss());
        trace.add(s.changes().toString());
      }
      trace.add(t.digest());
    }
    return trace;
  }

  @Test
  void dynMoeTrainingIsReproducibleFromItsSeed() {
    assertThat(run(RouterConfig.dynMoe(4, 16))).isEqualTo(run(RouterConfig.dynMoe(4, 16)));
  }

  /**
   * At this size MKL runs its small single-threaded kernels, whose roundings depend on memory
   * alignment: this broke when parameters lived in Java-allocated buffers (see ParameterStore).
   */
  @Test
  void aSmallModelIsReproducibleToo() {
    ModelConfig small = new ModelConfig(259, 32, 2, 2, 32, 64, RouterConfig.dynMoe(2, 8));
    assertThat(run(small)).isEqualTo(run(small));
  }
}
