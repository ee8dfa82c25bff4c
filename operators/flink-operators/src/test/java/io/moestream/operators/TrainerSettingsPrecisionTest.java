package io.moestream.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.moe.config.KBudget;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.tensor.DeviceChoice;
import io.moestream.moe.tensor.Precision;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The precision travels in {@link TrainerSettings} beside the device, and settings written before
 * it existed still read, as fp32.
 */
class TrainerSettingsPrecisionTest {
  private static final TrainerSettings BASE =
      new TrainerSettings(ModelConfig.defaults(259), TrainConfig.defaults(1), 8, 20);

  @Test
  void theDefaultIsFp32AndTheChoiceSurvivesSerialisationAndCopies() throws Exception {
    assertThat(BASE.precision()).isEqualTo(Precision.FP32);
    TrainerSettings bf16 =
        BASE.withPrecision(Precision.BF16).withDevice(DeviceChoice.CPU).withMaxModels(3);
    assertThat(bf16.precision()).isEqualTo(Precision.BF16);
    assertThat(bf16.device()).isEqualTo(DeviceChoice.CPU);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(bf16);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      assertThat(((TrainerSettings) in.readObject()).precision()).isEqualTo(Precision.BF16);
    }
    assertThat(bf16.configHash()).isEqualTo(BASE.configHash());
  }

  @Test
  void settingsSerialisedBeforeThePrecisionFieldReadAsFp32() throws Exception {
    // written before --device and --precision existed (see TrainerSettingsDeviceTest)
    try (InputStream in =
            getClass().getResourceAsStream("/compat/trainer-settings-before-device.ser");
        ObjectInputStream objects = new ObjectInputStream(in)) {
      TrainerSettings old = (TrainerSettings) objects.readObject();
      assertThat(old.precision()).isEqualTo(Precision.FP32);
      // fields added since: no upcycling, the official lifecycle, no budget
      assertThat(old.initFrom()).isNull();
      assertThat(old.train().pruneMaxShare()).isZero();
      assertThat(old.train().budget()).isEqualTo(KBudget.off());
      assertThat(old.maxModels()).isEqualTo(7);
    }
  }
}
