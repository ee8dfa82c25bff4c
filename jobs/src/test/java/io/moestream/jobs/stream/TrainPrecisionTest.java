package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.moe.tensor.Precision;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code train --precision} reaches every trainer subtask's settings; fp32 by default. */
class TrainPrecisionTest {
  private static TrainCommand parse(String... flags) {
    TrainCommand c = new TrainCommand();
    new CommandLine(c).parseArgs(flags);
    return c;
  }

  @Test
  void thePrecisionFlagReachesTheTrainerSettings() {
    assertThat(parse("--bootstrap-servers", "h:9092").settings().precision())
        .isEqualTo(Precision.FP32);
    assertThat(parse("--bootstrap-servers", "h:9092", "--precision", "bf16").settings().precision())
        .isEqualTo(Precision.BF16);
    // a way of computing, not the model: the events of both runs carry one config hash
    assertThat(
            parse("--bootstrap-servers", "h:9092", "--precision", "bf16").settings().configHash())
        .isEqualTo(parse("--bootstrap-servers", "h:9092").settings().configHash());
  }
}
