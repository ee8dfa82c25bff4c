package io.moestream.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.tensor.DeviceChoice;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The device flag travels in {@link TrainerSettings} (Java-serialised into the job graph), and
 * settings written before it existed still read, as {@code auto}.
 */
class TrainerSettingsDeviceTest {
  private static final TrainerSettings BASE =
      new TrainerSettings(ModelConfig.defaults(259), TrainConfig.defaults(1), 8, 20);

  private static Object roundTrip(Object o) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(o);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return in.readObject();
    }
  }

  @Test
  void theDefaultIsAutoAndTheChoiceSurvivesSerialisation() throws Exception {
    assertThat(BASE.device()).isEqualTo(DeviceChoice.AUTO);
    TrainerSettings cpu = BASE.withDevice(DeviceChoice.CPU).withMaxModels(3);
    assertThat(cpu.device()).isEqualTo(DeviceChoice.CPU);
    assertThat(cpu.maxModels()).isEqualTo(3);
    assertThat(((TrainerSettings) roundTrip(cpu)).device()).isEqualTo(DeviceChoice.CPU);
  }

  @Test
  void theDeviceIsNotPartOfTheConfigHash() {
    // a model trained on a GPU restores on a CPU and back: its events keep one config hash
    assertThat(BASE.withDevice(DeviceChoice.GPU).configHash()).isEqualTo(BASE.configHash());
  }

  @Test
  void settingsSerialisedBeforeTheDeviceFieldReadAsAuto() throws Exception {
    // Written by the class as it was before --device (ModelConfig.defaults(259),
    // TrainConfig.defaults(1), batch 8, summaries every 20, 1 thread, text-and-code, 7 models).
    try (InputStream in =
            getClass().getResourceAsStream("/compat/trainer-settings-before-device.ser");
        ObjectInputStream objects = new ObjectInputStream(in)) {
      TrainerSettings old = (TrainerSettings) objects.readObject();
      assertThat(old.device()).isEqualTo(DeviceChoice.AUTO);
      assertThat(old.maxModels()).isEqualTo(7);
      assertThat(old.batchSize()).isEqualTo(8);
      assertThat(old.configHash())
          .isEqualTo(
              new TrainerSettings(ModelConfig.defaults(259), TrainConfig.defaults(1), 8, 20)
                  .configHash());
    }
  }
}
