package io.moestream.jobs;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The cluster entry class never exits the JVM: it returns, or throws with the error line. */
class ClusterMainTest {
  @Test
  void aSuccessfulCommandReturns() {
    assertThatCode(() -> ClusterMain.main(new String[] {"train", "--help"}))
        .doesNotThrowAnyException();
  }

  @Test
  void aFailingCommandThrowsWithItsErrorLine() {
    assertThatThrownBy(() -> ClusterMain.main(new String[] {"train", "--no-such-option"}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("exited with 2")
        .hasMessageContaining("error:")
        .hasMessageContaining("--no-such-option");
  }
}
