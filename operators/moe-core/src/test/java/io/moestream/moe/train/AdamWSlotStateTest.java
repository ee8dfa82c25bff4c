package io.moestream.moe.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.model.ModelInit;
import io.moestream.moe.router.DynMoeRouter;
import io.moestream.moe.tensor.Param;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A spawned slot's optimizer moments start at zero; every other parameter keeps its AdamW state
 * exactly; inactive slots never change.
 */
class AdamWSlotStateTest {

  static int[][] batch(int b, int t, int seed) {
    java.util.Random r = new java.util.Random(seed);
    int[][] out = new int[b][t + 1];
    for (int[] row : out) {
      for (int j = 0; j < row.length; j++) {
        row[j] = 97 + r.nextInt(20);
      }
    }
    return out;
  }

  static MoeTrainer tiny() {
    ModelConfig mc = new ModelConfig(259, 16, 1, 2, 8, 16, RouterConfig.dynMoe(2, 4));
    return MoeTrainer.create(mc, TrainConfig.defaults(3));
  }

  @Test
  void resetSlotZeroesOnlyThatSlotsMomentsAndGateColumns() {
    try (MoeTrainer t = tiny()) {
      for (int i = 0; i < 5; i++) {
        t.train(batch(4, 8, i));
      }
      Map<String, float[][]> before = moments(t);
      t.optimizer().resetSlot(0, 1);
      Map<String, float[][]> after = moments(t);
      for (Param p : t.store().all()) {
        float[][] b = before.get(p.name());
        float[][] a = after.get(p.name());
        if (p.layer() == 0 && p.slot() == 1) {
          assertThat(allZero(a[0]) && allZero(a[1])).as(p.name()).isTrue();
        } else if (p.slotAxis()) {
          int e = (int) p.value().getShape().get(p.value().getShape().dimension() - 1);
          for (int i = 0; i < a[0].length; i++) {
            if (i % e == 1) {
              assertThat(a[0][i] == 0 && a[1][i] == 0).as(p.name() + "[" + i + "]").isTrue();
            } else {
              assertThat(a[0][i]).as(p.name() + "[" + i + "]").isEqualTo(b[0][i]);
              assertThat(a[1][i]).as(p.name() + "[" + i + "]").isEqualTo(b[1][i]);
            }
          }
        } else {
          assertThat(a[0]).as(p.name()).containsExactly(b[0]);
          assertThat(a[1]).as(p.name()).containsExactly(b[1]);
        }
      }
      assertThat(t.optimizer().slotAges()[0][1]).isZero();
      assertThat(t.optimizer().slotAges()[0][0]).isEqualTo(5);
    }
  }

  @Test
  void inactiveSlotsKeepTheirWeightsAndMoments() {
    try (MoeTrainer t = tiny()) {
      String w1 = ModelInit.expertPrefix(0, 3) + "w1";
      float[] weights = t.store().get(w1).toFloatArray();
      float[] sim = t.store().get(DynMoeRouter.simName(0)).toFloatArray();
      for (int i = 0; i < 5; i++) {
        t.train(batch(4, 8, i));
      }
      assertThat(t.store().get(w1).toFloatArray()).containsExactly(weights);
      assertThat(allZero(t.optimizer().moments(w1)[0].toFloatArray())).isTrue();
      float[] simAfter = t.store().get(DynMoeRouter.simName(0)).toFloatArray();
      for (int i = 0; i < sim.length; i++) {
        if (i % 4 >= 2) { // slots 2 and 3 are inactive at start (E_init = 2)
          assertThat(simAfter[i]).isEqualTo(sim[i]);
        }
      }
    }
  }

  private static boolean allZero(float[] v) {
    for (float f : v) {
      if (f != 0) {
        return false;
      }
    }
    return true;
  }

  private static Map<String, float[][]> moments(MoeTrainer t) {
    Map<String, float[][]> out = new HashMap<>();
    for (Param p : t.store().all()) {
      NDArray[] mv = t.optimizer().moments(p.name());
      out.put(p.name(), new float[][] {mv[0].toFloatArray(), mv[1].toFloatArray()});
    }
    return out;
  }
}
