package io.moestream.moe.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/**
 * The causal mask: 0 on and below the diagonal, -1e9 above, for any length; one shared tensor per
 * power-of-two length, and a shorter window's mask a view in the caller's manager.
 */
class CausalMaskTest {

  @Test
  void everyLengthGetsItsMaskAndPowersOfTwoShareOne() {
    try (NDManager m = NDManager.newBaseManager()) {
      for (int t : new int[] {1, 5, 8, 13}) {
        NDArray mask = CausalSelfAttention.causalMask(m, t);
        assertThat(mask.getShape()).isEqualTo(new Shape(t, t));
        float[] v = mask.toFloatArray();
        for (int i = 0; i < t; i++) {
          for (int j = 0; j < t; j++) {
            assertThat(v[i * t + j]).as("t=%d [%d,%d]", t, i, j).isEqualTo(j > i ? -1e9f : 0f);
          }
        }
      }
      assertThat(CausalSelfAttention.causalMask(m, 8))
          .isSameAs(CausalSelfAttention.causalMask(m, 8));
      NDArray corner = CausalSelfAttention.causalMask(m, 5);
      assertThat(corner.getManager()).as("a view lives in the caller's manager").isSameAs(m);
    }
  }
}
