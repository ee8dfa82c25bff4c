package io.moestream.operators;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TrainerAccumulatorsTest {

  @Test
  void activeSlotsAreListedPerLayer() {
    boolean[][] active = {
      {true, true, false, false, true},
      {false, false, true},
    };
    assertThat(TrainerAccumulators.activeSlots(active)).isEqualTo("0,1,4|2");
  }

  @Test
  void aLayerWithoutActiveSlotsIsEmpty() {
    assertThat(TrainerAccumulators.activeSlots(new boolean[][] {{true}, {false, false}}))
        .isEqualTo("0|");
  }
}
