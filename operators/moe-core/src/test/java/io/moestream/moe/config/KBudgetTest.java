package io.moestream.moe.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;

/** The compute budget's value type: defaults, validation, fit to a router, and old configs. */
class KBudgetTest {

  @Test
  void ofTurnsTheControllerAndTheFallbackOnAndOffIsDynMoeAsSpecified() {
    KBudget b = KBudget.of(1.7);
    assertThat(b.target()).isEqualTo(1.7);
    assertThat(b.step()).isEqualTo(KBudget.DEFAULT_STEP);
    assertThat(b.fallback()).isTrue();
    assertThat(b.straightThrough()).isFalse();
    assertThat(b.enabled()).isTrue();
    assertThat(KBudget.off().enabled()).isFalse();
    assertThat(KBudget.off().changesTraining()).isFalse();
    assertThat(KBudget.off().withStraightThrough(true).changesTraining()).isTrue();
    assertThat(TrainConfig.defaults(1).budget()).isEqualTo(KBudget.off());
    assertThat(TrainConfig.defaults(1).withBudget(b).budget()).isEqualTo(b);
  }

  @Test
  void outOfRangeValuesAreRefusedNamingTheFlag() {
    assertThatThrownBy(() -> KBudget.of(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--k-target must be > 0");
    assertThatThrownBy(() -> KBudget.of(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> KBudget.of(0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be >= 1 with the training top-1 fallback");
  }

  @Test
  void aTargetBelowOneNeedsTheFallbackOff() {
    KBudget b = new KBudget(0.5, 0.01, false, false);
    assertThat(b.enabled()).isTrue();
    assertThatThrownBy(() -> KBudget.of(2).withStep(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--k-target-step must be > 0");
  }

  @Test
  void onlyDynMoeTakesABudgetAndNoMoreThanItsSlots() {
    KBudget.of(1.7).requireFits(RouterConfig.dynMoe(4, 16));
    KBudget.off().requireFits(RouterConfig.topK(8, 2));
    assertThatThrownBy(() -> KBudget.of(1.7).requireFits(RouterConfig.topK(8, 2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("need --router dynmoe, not top-k");
    assertThatThrownBy(() -> KBudget.off().withFallback(true).requireFits(RouterConfig.topK(8, 2)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> KBudget.of(5).requireFits(RouterConfig.dynMoe(4, 4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exceeds the 4 expert slots (--emax)");
  }

  @Test
  void aConfigWithoutABudgetPrintsAndHashesAsBefore() {
    TrainConfig plain = TrainConfig.defaults(3);
    assertThat(plain.toString())
        .isEqualTo(
            "TrainConfig[learningRate=0.003, beta1=0.9, beta2=0.99, eps=1.0E-8,"
                + " weightDecay=0.01, gradClip=1.0, seed=3, window=RecordingWindow[start=100,"
                + " length=50, period=100], spawnPolicy=COPY_NEAREST, spawnMinUnrouted=0.0,"
                + " thresholdLrScale=1.0]");
    assertThat(plain.withBudget(KBudget.of(2)).toString())
        .endsWith(
            "thresholdLrScale=1.0, budget=KBudget[target=2.0, step=0.1, fallback=true,"
                + " straightThrough=false]]");
  }

  @Test
  void aConfigSerialisedBeforeTheBudgetExistedReadsAsOff() throws Exception {
    // A record's serial form is its components by name, and Java deserialisation passes null for
    // a component the stream lacks (an older TrainerSettings'): the constructor reads it as off.
    TrainConfig t = TrainConfig.defaults(4).withBudget(KBudget.of(1.5));
    byte[] bytes = serialise(t);
    assertThat(deserialise(bytes)).isEqualTo(t);
    assertThat(
            new TrainConfig(
                    0.1,
                    0.2,
                    0.3,
                    0.4,
                    0.5,
                    0.6,
                    7,
                    new RecordingWindow(1, 2, 3),
                    SpawnPolicy.RANDOM,
                    0,
                    1,
                    0,
                    null)
                .budget())
        .isEqualTo(KBudget.off());
  }

  private static byte[] serialise(Object o) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ObjectOutputStream s = new ObjectOutputStream(out)) {
      s.writeObject(o);
    }
    return out.toByteArray();
  }

  private static Object deserialise(byte[] b) throws IOException, ClassNotFoundException {
    try (ObjectInputStream s = new ObjectInputStream(new ByteArrayInputStream(b))) {
      return s.readObject();
    }
  }
}
