package io.moestream.moe.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import io.moestream.moe.config.EvoMoeConfig;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.model.ExpertUniformity;
import io.moestream.moe.model.ModelInit;
import io.moestream.moe.router.Routers;
import io.moestream.moe.tensor.ParameterStore;
import io.moestream.moe.tensor.Rng;
import org.junit.jupiter.api.Test;

/** The evolution update θ_n ← β θ_n + (1 − β) θ_0 against hand-computed values for fixed β. */
class ExpertEvolutionTest {
  private static final double TOL = 1e-6;

  /** d = 2, expert width 2: W1 (2, 2), b1 (2), W2 (2, 2), b2 (2) — 12 numbers per expert. */
  private static ParameterStore store(int experts) {
    ModelConfig mc =
        new ModelConfig(8, 2, 1, 1, 4, 2, RouterConfig.evoMoe(experts, EvoMoeConfig.paper(0, 5)));
    ParameterStore p = new ParameterStore(NDManager.newBaseManager());
    ModelInit.register(mc, Routers.create(mc.router()), p, new Rng(3));
    return p;
  }

  private static void set(ParameterStore p, int slot, float base) {
    String x = ModelInit.expertPrefix(0, slot);
    p.assign(x + "w1", new float[] {base, base + 1, base + 2, base + 3});
    p.assign(x + "b1", new float[] {base, -base});
    p.assign(x + "w2", new float[] {-base, 0, 1, base});
    p.assign(x + "b2", new float[] {2 * base, 0.5f});
  }

  private static float[] w1(ParameterStore p, int slot) {
    return p.get(ModelInit.expertPrefix(0, slot) + "w1").toFloatArray();
  }

  @Test
  void blendMatchesHandComputedValuesForAFixedBeta() {
    try (ParameterStore p = store(4);
        NDScope scope = new NDScope()) {
      set(p, 0, 10f); // θ_0
      set(p, 1, 0f); // θ_1
      ExpertEvolution.blend(p, 0, 1, 0, 0.9);
      // θ_1 ← 0.9 · θ_1 + 0.1 · θ_0: W1 = 0.9·(0, 1, 2, 3) + 0.1·(10, 11, 12, 13)
      assertThat(w1(p, 1)).containsExactly(new float[] {1.0f, 2.0f, 3.0f, 4.0f}, within(1e-6f));
      String x = ModelInit.expertPrefix(0, 1);
      // b1 = 0.1·(10, −10); W2 = 0.9·(0, 0, 1, 0) + 0.1·(−10, 0, 1, 10); b2 = 0.1·(20, .5) + .9·(0,
      // .5)
      assertThat(p.get(x + "b1").toFloatArray())
          .containsExactly(new float[] {1f, -1f}, within(1e-6f));
      assertThat(p.get(x + "w2").toFloatArray())
          .containsExactly(new float[] {-1f, 0f, 1f, 1f}, within(1e-6f));
      assertThat(p.get(x + "b2").toFloatArray())
          .containsExactly(new float[] {2f, 0.5f}, within(1e-6f));
      // The source is untouched.
      assertThat(w1(p, 0)).containsExactly(10f, 11f, 12f, 13f);
    }
  }

  @Test
  void evolveBlendsEveryEvolvedExpertTowardsExpertZeroWithItsOwnBeta() {
    try (ParameterStore p = store(4);
        NDScope scope = new NDScope()) {
      set(p, 0, 1f);
      set(p, 1, 0f);
      set(p, 2, 0f);
      set(p, 3, 0f);
      double[] beta = {Double.NaN, 0.95, 0.85, 0.75};
      ExpertEvolution.evolve(p, 0, beta);
      ExpertEvolution.evolve(p, 0, beta);
      // Two steps towards a fixed θ_0 from θ_n = 0 (first W1 entry: θ_0 = 1):
      // θ_n = (1 − β²) · θ_0, i.e. 0.0975, 0.2775, 0.4375.
      assertThat(w1(p, 1)[0]).isCloseTo((float) (1 - 0.95 * 0.95), within(1e-6f));
      assertThat(w1(p, 2)[0]).isCloseTo((float) (1 - 0.85 * 0.85), within(1e-6f));
      assertThat(w1(p, 3)[0]).isCloseTo((float) (1 - 0.75 * 0.75), within(1e-6f));
      // Second W1 entry: θ_0 = 2, θ_n(0) = 1 → β²·1 + (1 − β²)·2.
      assertThat(w1(p, 3)[1]).isCloseTo((float) (0.5625 + 0.4375 * 2), within(1e-6f));
      assertThat(w1(p, 0)).containsExactly(1f, 2f, 3f, 4f);
    }
  }

  @Test
  void replicateIsBitExactAndMakesExpertsUniform() {
    try (ParameterStore p = store(3);
        NDScope scope = new NDScope()) {
      boolean[] all = {true, true, true};
      // Random init: nearly orthogonal experts.
      assertThat(ExpertUniformity.meanPairwiseCosine(p, 0, all)).isLessThan(0.9);
      ExpertEvolution.replicate(p, 0, 1, 0);
      ExpertEvolution.replicate(p, 0, 2, 0);
      assertThat(w1(p, 2)).containsExactly(w1(p, 0));
      assertThat(ExpertUniformity.meanPairwiseCosine(p, 0, all)).isCloseTo(1.0, within(TOL));
      assertThat(ExpertUniformity.meanPairwiseCosine(p, 0, new boolean[] {true, false, false}))
          .isNaN();
    }
  }

  @Test
  void uniformityIsTheMeanPairwiseCosine() {
    assertThat(ExpertUniformity.cosine(new double[] {1, 0}, new double[] {0, 2})).isZero();
    assertThat(ExpertUniformity.cosine(new double[] {1, 1}, new double[] {2, 0}))
        .isCloseTo(Math.sqrt(0.5), within(1e-12));
    assertThat(ExpertUniformity.cosine(new double[] {1, 1}, new double[] {-3, -3}))
        .isCloseTo(-1, within(1e-12));
  }

  @Test
  void betasAreDrawnFromEachExpertsRangeAndCycleThroughTheRanges() {
    EvoMoeConfig c = EvoMoeConfig.paper(0, 10);
    Rng rng = new Rng(42);
    for (int i = 0; i < 200; i++) {
      double[] b = ExpertEvolution.drawBetas(c, 5, rng);
      assertThat(b[0]).isNaN();
      assertThat(b[1]).isBetween(0.9, 0.99);
      assertThat(b[2]).isBetween(0.8, 0.89);
      assertThat(b[3]).isBetween(0.7, 0.79);
      assertThat(b[4]).isBetween(0.9, 0.99); // a 4th evolved expert reuses the first range
    }
    // Same seed, same draws: β comes from the trainer's RNG, so snapshots restore it.
    assertThat(ExpertEvolution.drawBetas(c, 4, new Rng(7)))
        .containsExactly(ExpertEvolution.drawBetas(c, 4, new Rng(7)));
  }

  @Test
  void evolveSpawnPicksTheMostUsedOtherActiveExpert() {
    boolean[] active = {true, true, false, true};
    assertThat(SpawnInitializer.mostUsed(2, active, new long[] {5, 9, 100, 9})).isEqualTo(1);
    assertThat(SpawnInitializer.mostUsed(1, active, new long[] {5, 9, 0, 3})).isZero();
    assertThat(SpawnInitializer.mostUsed(0, new boolean[] {true, false}, new long[] {1, 0}))
        .isEqualTo(-1);
  }
}
