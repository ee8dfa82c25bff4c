package io.moestream.moe.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WindowSpanTest {
  @Test
  void readsStepsAndTokens() {
    assertThat(WindowSpan.parse("50")).isEqualTo(WindowSpan.ofSteps(50));
    assertThat(WindowSpan.parse("50steps")).isEqualTo(WindowSpan.ofSteps(50));
    assertThat(WindowSpan.parse(" 50 Steps ")).isEqualTo(WindowSpan.ofSteps(50));
    assertThat(WindowSpan.parse("25600tokens")).isEqualTo(new WindowSpan(25600, true));
    assertThat(WindowSpan.parse("25600T")).isEqualTo(new WindowSpan(25600, true));
    assertThat(WindowSpan.parse("25600tokens")).hasToString("25600tokens");
    assertThat(WindowSpan.parse("50")).hasToString("50");
  }

  @Test
  void tokensRoundUpToWholeStepsAndStepsStayAsGiven() {
    assertThat(new WindowSpan(25600, true).steps(512)).isEqualTo(50);
    assertThat(new WindowSpan(25601, true).steps(512)).isEqualTo(51);
    assertThat(new WindowSpan(0, true).steps(512)).isZero();
    assertThat(WindowSpan.ofSteps(7).steps(512)).isEqualTo(7);
    assertThat(
            RecordingWindow.of(
                new WindowSpan(51200, true),
                WindowSpan.ofSteps(50),
                new WindowSpan(51200, true),
                512))
        .isEqualTo(new RecordingWindow(100, 50, 100));
  }

  @Test
  void nonsenseIsRefusedWithTheForms() {
    assertThatThrownBy(() -> WindowSpan.parse("5 minutes"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("give N (steps), Nsteps or Ntokens");
    assertThatThrownBy(() -> WindowSpan.parse("-5")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> WindowSpan.parse("99999999999999999999tokens"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too large");
  }
}
