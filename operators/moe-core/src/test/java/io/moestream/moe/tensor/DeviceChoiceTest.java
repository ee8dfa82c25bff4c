package io.moestream.moe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

class DeviceChoiceTest {
  @Test
  void parsesTheThreeSpellingsInAnyCase() {
    assertThat(DeviceChoice.parse("cpu")).isEqualTo(DeviceChoice.CPU);
    assertThat(DeviceChoice.parse(" GPU ")).isEqualTo(DeviceChoice.GPU);
    assertThat(DeviceChoice.parse("Auto")).isEqualTo(DeviceChoice.AUTO);
    assertThat(DeviceChoice.AUTO.cliName()).isEqualTo("auto");
    assertThatThrownBy(() -> DeviceChoice.parse("tpu"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cpu, gpu, auto");
  }

  @Test
  void cpuIsTheCpuWhateverTheGpus() {
    assertThat(DeviceChoice.CPU.resolve(0)).isEqualTo(Device.cpu());
    assertThat(DeviceChoice.CPU.resolve(4)).isEqualTo(Device.cpu());
    assertThat(DeviceChoice.CPU.forSubtask(3, 4)).isEqualTo(Device.cpu());
  }

  @Test
  void autoTakesAGpuWhenThereIsOne() {
    assertThat(DeviceChoice.AUTO.resolve(0)).isEqualTo(Device.cpu());
    assertThat(DeviceChoice.AUTO.resolve(2)).isEqualTo(Device.gpu(0));
    assertThat(DeviceChoice.AUTO.forSubtask(3, 2)).isEqualTo(Device.gpu(1));
    assertThat(DeviceChoice.AUTO.forSubtask(3, 0)).isEqualTo(Device.cpu());
  }

  @Test
  void gpuTakesTheGpusInTurnAndIsRefusedWithoutOne() {
    assertThat(DeviceChoice.GPU.resolve(1)).isEqualTo(Device.gpu(0));
    assertThat(DeviceChoice.GPU.forSubtask(5, 3)).isEqualTo(Device.gpu(2));
    assertThatThrownBy(() -> DeviceChoice.GPU.resolve(0))
        .isInstanceOf(DeviceChoice.NoGpuException.class)
        // an environment failure (exit 1), not bad input (exit 2)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("sees none");
  }

  @Test
  void theCpuChoiceNeverAsksTheEngine() {
    // resolve() of CPU must not need libtorch's GPU probe: it answers without the engine
    assertThat(DeviceChoice.CPU.resolve()).isEqualTo(Device.cpu());
  }

  @Test
  void aNegativeSubtaskIsRefused() {
    assertThatThrownBy(() -> DeviceChoice.AUTO.forSubtask(-1, 2))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
