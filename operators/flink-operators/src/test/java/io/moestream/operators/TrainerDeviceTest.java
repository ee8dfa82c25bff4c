package io.moestream.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.moestream.moe.tensor.DeviceChoice;
import org.junit.jupiter.api.Test;

class TrainerDeviceTest {
  @Test
  void withoutGpusEverySubtaskTrainsOnTheCpu() {
    assertThat(TrainerDevice.forSubtask(0, 0)).isEqualTo(Device.cpu());
    assertThat(TrainerDevice.forSubtask(5, 0)).isEqualTo(Device.cpu());
  }

  @Test
  void subtasksTakeTheVisibleGpusInTurn() {
    assertThat(TrainerDevice.forSubtask(0, 2)).isEqualTo(Device.gpu(0));
    assertThat(TrainerDevice.forSubtask(1, 2)).isEqualTo(Device.gpu(1));
    assertThat(TrainerDevice.forSubtask(2, 2)).isEqualTo(Device.gpu(0));
    assertThat(TrainerDevice.forSubtask(3, 1)).isEqualTo(Device.gpu(0));
  }

  @Test
  void aNegativeIndexIsRefused() {
    assertThatThrownBy(() -> TrainerDevice.forSubtask(-1, 2))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theDeviceFlagPinsTheCpuOrRequiresAGpu() {
    assertThat(TrainerDevice.forSubtask(DeviceChoice.CPU, 1, 2)).isEqualTo(Device.cpu());
    assertThat(TrainerDevice.forSubtask(DeviceChoice.GPU, 1, 2)).isEqualTo(Device.gpu(1));
    assertThat(TrainerDevice.forSubtask(DeviceChoice.AUTO, 1, 2)).isEqualTo(Device.gpu(1));
    assertThatThrownBy(() -> TrainerDevice.forSubtask(DeviceChoice.GPU, 0, 0))
        .isInstanceOf(DeviceChoice.NoGpuException.class);
  }
}
