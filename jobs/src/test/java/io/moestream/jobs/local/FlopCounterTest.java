package io.moestream.jobs.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RouterConfig;
import org.junit.jupiter.api.Test;

/** The FLOP count is the benchmark's denominator; pin it to a hand calculation. */
class FlopCounterTest {
  @Test
  void countsAttentionExpertsAndHead() {
    // d=4, L=1, ctx=8, ff=16, V=10, 1.5 expert pairs per token:
    //   attention 2·(4·12 + 4·4 + 2·8·4) = 256; experts 2·1.5·(64 + 64) = 384; head 2·4·10 = 80
    ModelConfig m = new ModelConfig(10, 4, 1, 1, 8, 16, RouterConfig.topK(2, 1));
    assertThat(FlopCounter.forwardPerToken(m, 1.5)).isEqualTo(720.0);
    assertThat(FlopCounter.trainPerToken(m, 1.5)).isEqualTo(2160.0);
  }

  @Test
  void scalesWithMeasuredRouting() {
    ModelConfig m = ModelConfig.defaults(259);
    double oneExpert = FlopCounter.forwardPerToken(m, 2);
    double twoExperts = FlopCounter.forwardPerToken(m, 4);
    assertThat(twoExperts - oneExpert).isEqualTo(2 * 2 * (2.0 * 128 * 256));
  }
}
