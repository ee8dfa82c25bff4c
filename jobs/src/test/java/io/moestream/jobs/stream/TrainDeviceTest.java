package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.moe.tensor.DeviceChoice;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code train --device} reaches the settings every trainer subtask is built with. */
class TrainDeviceTest {
  private static TrainCommand parse(String... flags) {
    TrainCommand c = new TrainCommand();
    new CommandLine(c).parseArgs(flags);
    return c;
  }

  @Test
  void theDeviceFlagReachesTheTrainerSettings() {
    assertThat(parse("--bootstrap-servers", "h:9092").settings().device())
        .isEqualTo(DeviceChoice.AUTO);
    assertThat(parse("--bootstrap-servers", "h:9092", "--device", "cpu").settings().device())
        .isEqualTo(DeviceChoice.CPU);
    assertThat(parse("--bootstrap-servers", "h:9092", "--device", "gpu").settings().device())
        .isEqualTo(DeviceChoice.GPU);
  }
}
