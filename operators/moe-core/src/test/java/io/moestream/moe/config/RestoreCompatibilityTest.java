package io.moestream.moe.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.moe.config.RestoreCompatibility.Difference;
import org.junit.jupiter.api.Test;

class RestoreCompatibilityTest {
  private static final ModelConfig TOPK_32 =
      new ModelConfig(260, 32, 2, 4, 16, 64, RouterConfig.topK(4, 2));
  private static final TrainConfig TRAIN = TrainConfig.defaults(1);

  @Test
  void identicalSettingsMatch() {
    ModelConfig same = new ModelConfig(260, 32, 2, 4, 16, 64, RouterConfig.topK(4, 2));
    assertThat(RestoreCompatibility.differences(TOPK_32, TRAIN, same, TrainConfig.defaults(1)))
        .isEmpty();
    assertThat(RestoreCompatibility.mismatch("m was", "r has", TOPK_32, TRAIN, same, TRAIN))
        .isEmpty();
  }

  @Test
  void aChangedWidthAndRouterAreNamedWithBothValuesInOneLine() {
    ModelConfig run = new ModelConfig(260, 64, 2, 4, 16, 64, RouterConfig.dynMoe(4, 16));
    assertThat(RestoreCompatibility.differences(TOPK_32, TRAIN, run, TRAIN))
        .containsExactly(
            new Difference("d", "32", "64"),
            new Difference("router", "top-k", "dynmoe"),
            new Difference("emax", "4", "16"),
            new Difference("top-k", "2", "1"));
    String line =
        RestoreCompatibility.mismatch("models were", "this run has", TOPK_32, TRAIN, run, TRAIN)
            .orElseThrow();
    assertThat(line)
        .startsWith(
            "models were trained with d=32, router=top-k, emax=4, top-k=2; this run has d=64,"
                + " router=dynmoe, emax=16, top-k=1 (only --parallelism")
        .doesNotContain("\n");
  }

  @Test
  void contextAndTrainingSettingsAreComparedToo() {
    ModelConfig ctx32 = new ModelConfig(260, 32, 2, 4, 32, 64, RouterConfig.topK(4, 2));
    TrainConfig other =
        TRAIN.withLearningRate(1e-4).withSeed(7).withSpawnPolicy(SpawnPolicy.RANDOM);
    assertThat(RestoreCompatibility.differences(TOPK_32, TRAIN, ctx32, other))
        .extracting(Difference::name)
        .containsExactly("ctx", "lr", "seed", "spawn-policy");
  }

  @Test
  void evoMoeScheduleCounts() {
    ModelConfig evo =
        TOPK_32.withRouter(RouterConfig.evoMoe(4, EvoMoeConfig.defaults().withSchedule(10, 10)));
    ModelConfig later =
        TOPK_32.withRouter(RouterConfig.evoMoe(4, EvoMoeConfig.defaults().withSchedule(20, 10)));
    assertThat(RestoreCompatibility.differences(evo, TRAIN, later, TRAIN))
        .containsExactly(new Difference("evo-warmup", "10", "20"));
  }

  @Test
  void aModelFromBeforeTheLifecycleGatesIsToldTheFlagsThatKeepItsRules() {
    // A DynMoE savepoint of an earlier build stored the official 0/0; today's CLI runs 0.02/0.05.
    ModelConfig dyn = TOPK_32.withRouter(RouterConfig.dynMoe(4, 16));
    TrainConfig cli = TRAIN.withSpawnMinUnrouted(0.02).withPruneMaxShare(0.05);
    String line =
        RestoreCompatibility.mismatch(
                "the savepoint's models were", "this run has", dyn, TRAIN, dyn, cli)
            .orElseThrow();
    assertThat(line)
        .startsWith(
            "the savepoint's models were trained with spawn-min-unrouted=0.0,"
                + " prune-max-share=0.0; this run has spawn-min-unrouted=0.02, prune-max-share=0.05")
        .endsWith(
            "; to keep the stored lifecycle rules pass --spawn-min-unrouted 0.0 --prune-max-share 0.0")
        .doesNotContain("\n");
    // across routers the gates are not named (the router's difference refuses the restore)
    assertThat(RestoreCompatibility.differences(dyn, cli, TOPK_32, TRAIN))
        .extracting(Difference::name)
        .containsExactly("router", "emax", "top-k");
    // other differences get no such hint
    assertThat(RestoreCompatibility.mismatch("m were", "r has", dyn, TRAIN, dyn, TRAIN.withSeed(9)))
        .get()
        .asString()
        .doesNotContain("lifecycle");
  }
}
