package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.moestream.moe.config.EvoMoeConfig;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.train.MoeTrainer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The memory cap counts parameters from the config, exactly as many as a built model has. */
class ModelMemoryTest {
  private static final List<RouterConfig> ROUTERS =
      List.of(
          RouterConfig.dynMoe(2, 5),
          RouterConfig.topK(3, 2),
          RouterConfig.topP(4, 0.4),
          RouterConfig.nullExperts(3, 2, 2),
          RouterConfig.dense(),
          RouterConfig.evoMoe(3, EvoMoeConfig.defaults()));

  @Test
  void theAnalyticCountEqualsTheBuiltModelsCountForEveryRouterAtTwoSizes() {
    for (RouterConfig r : ROUTERS) {
      for (ModelConfig c :
          List.of(
              new ModelConfig(256, 16, 1, 2, 8, 24, r),
              new ModelConfig(259, 48, 3, 4, 32, 80, r))) {
        try (MoeTrainer t = MoeTrainer.create(c, TrainConfig.defaults(0), Device.cpu())) {
          assertThat(ModelMemory.parameterCount(c))
              .as("%s d=%d layers=%d", r.kind(), c.dModel(), c.layers())
              .isEqualTo(t.parameterCount());
        }
      }
    }
  }

  @Test
  void aModelOverTheCapIsRefusedWithoutBuildingIt() {
    // About 2.1 G parameters: building it would need 34 GB; counting needs nothing.
    ModelConfig huge = new ModelConfig(256, 8192, 2, 8, 128, 32768, RouterConfig.dynMoe(4, 16));
    assertThat(ModelMemory.parameterCount(huge)).isGreaterThan(2_000_000_000L);
    assertThatThrownBy(() -> ModelMemory.check(huge, 1024))
        .hasMessageContaining("over --max-model-memory 1024 MB");
  }
}
