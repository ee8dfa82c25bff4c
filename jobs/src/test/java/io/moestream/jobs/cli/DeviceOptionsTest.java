package io.moestream.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.moestream.moe.tensor.DeviceChoice;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DeviceOptionsTest {
  private static DeviceOptions parse(String... args) {
    return CommandLine.populateCommand(new DeviceOptions(), args);
  }

  @Test
  void defaultsToAutoAndAcceptsTheThreeChoices() {
    assertThat(parse().choice()).isEqualTo(DeviceChoice.AUTO);
    assertThat(parse("--device", "cpu").choice()).isEqualTo(DeviceChoice.CPU);
    assertThat(parse("--device", "GPU").choice()).isEqualTo(DeviceChoice.GPU);
    assertThat(parse("--device=auto").choice()).isEqualTo(DeviceChoice.AUTO);
  }

  @Test
  void anUnknownDeviceIsBadInput() {
    assertThatThrownBy(() -> parse("--device", "tpu"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("cpu, gpu, auto");
  }

  @Test
  void resolvesAgainstTheGpusSeen() {
    assertThat(new DeviceOptions(DeviceChoice.AUTO).resolve(0)).isEqualTo(Device.cpu());
    assertThat(new DeviceOptions(DeviceChoice.AUTO).resolve(2)).isEqualTo(Device.gpu(0));
    assertThat(new DeviceOptions(DeviceChoice.CPU).resolve(2)).isEqualTo(Device.cpu());
    assertThat(new DeviceOptions(DeviceChoice.GPU).resolve(2)).isEqualTo(Device.gpu(0));
  }

  @Test
  void gpuWithoutAGpuIsOneLineThatSaysWhatToDo() {
    assertThatThrownBy(() -> new DeviceOptions(DeviceChoice.GPU).resolve(0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(DeviceOptions.noGpuLine())
        .satisfies(e -> assertThat(CliErrors.exitCode(e)).isEqualTo(CliErrors.RUNTIME));
    assertThat(DeviceOptions.noGpuLine())
        .doesNotContain("\n")
        .contains("--device gpu", "sees no GPU", "moe doctor", "README \"GPU\"");
  }
}
