package io.moestream.moe.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Each {@code with…} copy changes exactly its own components and validates the copy again. */
class ConfigCopiesTest {
  private static final RecordingWindow W = new RecordingWindow(1, 2, 3);
  private static final TrainConfig T =
      new TrainConfig(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 7, W, SpawnPolicy.COPY_NEAREST, 0.08, 0.9);

  @Test
  void trainConfigCopiesChangeOneComponent() {
    RecordingWindow w = new RecordingWindow(4, 5, 6);
    assertThat(T.withWindow(w))
        .isEqualTo(
            new TrainConfig(
                0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 7, w, SpawnPolicy.COPY_NEAREST, 0.08, 0.9));
    assertThat(T.withSpawnPolicy(SpawnPolicy.RANDOM))
        .isEqualTo(
            new TrainConfig(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 7, W, SpawnPolicy.RANDOM, 0.08, 0.9));
    assertThat(T.withLearningRate(0.01))
        .isEqualTo(
            new TrainConfig(
                0.01, 0.2, 0.3, 0.4, 0.5, 0.6, 7, W, SpawnPolicy.COPY_NEAREST, 0.08, 0.9));
    assertThat(T.withSeed(8))
        .isEqualTo(
            new TrainConfig(
                0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 8, W, SpawnPolicy.COPY_NEAREST, 0.08, 0.9));
    assertThat(T.withSpawnMinUnrouted(0.2))
        .isEqualTo(
            new TrainConfig(
                0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 7, W, SpawnPolicy.COPY_NEAREST, 0.2, 0.9));
    assertThat(T.withThresholdLrScale(2))
        .isEqualTo(
            new TrainConfig(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 7, W, SpawnPolicy.COPY_NEAREST, 0.08, 2));
    assertThat(T.withPruneMaxShare(0.03))
        .isEqualTo(
            new TrainConfig(
                0.1,
                0.2,
                0.3,
                0.4,
                0.5,
                0.6,
                7,
                W,
                SpawnPolicy.COPY_NEAREST,
                0.08,
                0.9,
                0.03,
                KBudget.off()));
    assertThat(T.pruneMaxShare()).isZero(); // the 11-component constructor: prune only unused
    assertThatThrownBy(() -> T.withPruneMaxShare(1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maximum usage share for a prune");
    assertThatThrownBy(() -> T.withSpawnMinUnrouted(1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("minimum unrouted share");
  }

  @Test
  void routerConfigCopiesChangeTheirComponents() {
    EvoMoeConfig evo = EvoMoeConfig.paper(5, 6);
    RouterConfig r =
        new RouterConfig(
            RouterKind.NULL_EXPERTS,
            3,
            3,
            2,
            0.5,
            2,
            AuxVariant.DEEPSPEED,
            0.1,
            0.2,
            0.01,
            100,
            evo);
    assertThat(r.withAuxWeight(0.3))
        .isEqualTo(
            new RouterConfig(
                RouterKind.NULL_EXPERTS,
                3,
                3,
                2,
                0.5,
                2,
                AuxVariant.DEEPSPEED,
                0.3,
                0.2,
                0.3,
                0,
                evo));
    AuxVariant other = AuxVariant.GSHARD;
    assertThat(r.withAuxVariant(other))
        .isEqualTo(
            new RouterConfig(
                RouterKind.NULL_EXPERTS, 3, 3, 2, 0.5, 2, other, 0.1, 0.2, 0.01, 100, evo));
    EvoMoeConfig evo2 = EvoMoeConfig.paper(1, 2);
    assertThat(r.withEvo(evo2))
        .isEqualTo(
            new RouterConfig(
                RouterKind.NULL_EXPERTS,
                3,
                3,
                2,
                0.5,
                2,
                AuxVariant.DEEPSPEED,
                0.1,
                0.2,
                0.01,
                100,
                evo2));
    assertThatThrownBy(() -> r.withAuxWeight(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void evoMoeConfigCopiesChangeTheirComponents() {
    double[] low = {0.1, 0.2};
    double[] high = {0.3, 0.4};
    EvoMoeConfig e = new EvoMoeConfig(1, 2, low, high, 3, 4, 5, true, true);
    assertThat(e.withSchedule(7, 8))
        .isEqualTo(new EvoMoeConfig(7, 8, low, high, 3, 4, 5, true, true));
    assertThat(e.withModalities(2))
        .isEqualTo(new EvoMoeConfig(1, 2, low, high, 3, 4, 2, true, true));
    assertThat(e.withPaperFreezing(false))
        .isEqualTo(new EvoMoeConfig(1, 2, low, high, 3, 4, 5, false, true));
    assertThat(e.withEvolve(false))
        .isEqualTo(new EvoMoeConfig(1, 2, low, high, 3, 4, 5, true, false));
    assertThatThrownBy(() -> e.withModalities(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
