package io.moestream.moe.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** EvoMoE's schedule, β ranges, router validation and the domain → modality mapping. */
class EvoMoeConfigTest {

  @Test
  void stagesFollowTheStepCounter() {
    EvoMoeConfig c = EvoMoeConfig.paper(3, 2);
    assertThat(c.stageAt(0)).isEqualTo(EvoMoeConfig.Stage.WARMUP);
    assertThat(c.stageAt(2)).isEqualTo(EvoMoeConfig.Stage.WARMUP);
    assertThat(c.stageAt(3)).isEqualTo(EvoMoeConfig.Stage.EVOLUTION);
    assertThat(c.stageAt(4)).isEqualTo(EvoMoeConfig.Stage.EVOLUTION);
    assertThat(c.stageAt(5)).isEqualTo(EvoMoeConfig.Stage.DTR);
    assertThat(EvoMoeConfig.paper(0, 0).stageAt(0)).isEqualTo(EvoMoeConfig.Stage.DTR);
    assertThat(c.betaRange(1)).containsExactly(0.9, 0.99);
    assertThat(c.betaRange(3)).containsExactly(0.7, 0.79);
    assertThat(c.betaRange(4)).containsExactly(0.9, 0.99);
  }

  @Test
  void badSettingsAreRefusedWithAReason() {
    assertThatThrownBy(
            () ->
                new EvoMoeConfig(1, 1, new double[] {0.9}, new double[] {0.8}, 8, 2, 2, true, true))
        .hasMessageContaining("low <= high");
    assertThatThrownBy(
            () -> new EvoMoeConfig(1, 1, new double[0], new double[0], 8, 2, 2, true, true))
        .hasMessageContaining("at least one beta range");
    assertThatThrownBy(() -> EvoMoeConfig.paper(-1, 0)).hasMessageContaining("warm-up");
    assertThatThrownBy(() -> RouterConfig.evoMoe(1, EvoMoeConfig.paper(1, 1)))
        .hasMessageContaining("at least 2 experts");
    RouterConfig ok = RouterConfig.evoMoe(4, EvoMoeConfig.paper(1, 1));
    assertThat(ok.topK()).isEqualTo(1);
    assertThat(ok.auxWeight()).isEqualTo(0.001);
    assertThat(RouterKind.parse("EvoMoE")).isEqualTo(RouterKind.EVOMOE);
    assertThat(SpawnPolicy.parse("evolve")).isEqualTo(SpawnPolicy.EVOLVE);
  }

  @Test
  void unknownDomainsUseTheSharedDefaultModality() {
    ModalityMap m = ModalityMap.parse("source-code=1, Images=2");
    assertThat(m.of("source-code")).isEqualTo(1);
    assertThat(m.of("  images ")).isEqualTo(2);
    assertThat(m.of("german-prose")).isEqualTo(ModalityMap.DEFAULT);
    assertThat(m.of(null)).isEqualTo(ModalityMap.DEFAULT);
    assertThat(m.count()).isEqualTo(3);
    assertThat(ModalityMap.parse("").count()).isEqualTo(1);
    assertThat(ModalityMap.textAndCode().of("source-code")).isEqualTo(1);
    assertThat(new ModalityMap(Map.of()).of("anything")).isZero();
    assertThatThrownBy(() -> ModalityMap.parse("code")).hasMessageContaining("name=id");
    assertThatThrownBy(() -> ModalityMap.parse("code=x")).hasMessageContaining("not a number");
  }
}
