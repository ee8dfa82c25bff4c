package io.moestream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.cli.CliErrors;
import org.junit.jupiter.api.Test;

/**
 * {@code --precision} as input: one option on the three commands that train, and an unknown value
 * is bad input. (Training in bf16 through {@code train-local} and {@code bench train}: {@code
 * ExpertDispatchFlagTest}; through {@code train}: {@code TrainPrecisionTest}; that bf16 tracks
 * fp32: {@code Bf16ParityTest}.)
 */
class PrecisionFlagTest {
  @Test
  void theCommandsThatTrainTakeIt() {
    for (String[] cmd :
        new String[][] {
          {"train-local", "--help"}, {"bench", "train", "--help"}, {"train", "--help"}
        }) {
      CliRun r = CliRun.of(cmd);
      assertThat(r.exit()).as(String.join(" ", cmd)).isZero();
      assertThat(r.out()).as(String.join(" ", cmd)).contains("--precision=PRECISION", "fp32");
    }
  }

  @Test
  void anUnknownPrecisionIsBadInput() {
    CliRun r = CliRun.of("train-local", "--precision", "fp16", "--steps", "1");
    assertThat(r.exit()).isEqualTo(CliErrors.USAGE);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).startsWith("error: ").contains("--precision", "fp32, bf16");
  }
}
