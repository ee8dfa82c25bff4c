package io.moestream.moe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.Test;

class TorchThreadsTest {

  @Test
  void aBlockSetsTheCountAndRestoresItAfterwards() {
    Engine.getInstance();
    int before = JniUtils.getNumThreads();
    int inside = before == 1 ? 2 : 1;
    try (TorchThreads t = TorchThreads.use(inside)) {
      assertThat(JniUtils.getNumThreads()).isEqualTo(inside);
    }
    assertThat(JniUtils.getNumThreads()).isEqualTo(before);
  }

  @Test
  void zeroLeavesTheSettingAlone() {
    Engine.getInstance();
    int before = JniUtils.getNumThreads();
    assertThat(TorchThreads.set(0)).isZero();
    try (TorchThreads t = TorchThreads.use(0)) {
      assertThat(JniUtils.getNumThreads()).isEqualTo(before);
    }
    assertThat(JniUtils.getNumThreads()).isEqualTo(before);
  }

  @Test
  void setReturnsThePreviousCount() {
    Engine.getInstance();
    int before = JniUtils.getNumThreads();
    int other = before == 1 ? 2 : 1;
    try {
      assertThat(TorchThreads.set(other)).isEqualTo(before);
      assertThat(JniUtils.getNumThreads()).isEqualTo(other);
    } finally {
      TorchThreads.set(before);
    }
  }

  @Test
  void refusesANegativeCount() {
    assertThatThrownBy(() -> TorchThreads.use(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be >= 0, got -1");
  }
}
