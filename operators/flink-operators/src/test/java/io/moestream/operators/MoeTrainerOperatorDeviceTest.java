package io.moestream.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import io.moestream.moe.tensor.DeviceChoice;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/** The trainer operator honours {@link TrainerSettings#device} when it opens. */
class MoeTrainerOperatorDeviceTest {
  @Test
  void cpuOpensAndTrainsOnTheCpu() throws Exception {
    var settings = TrainerHarness.settings().withDevice(DeviceChoice.CPU);
    MoeTrainerOperator op = new MoeTrainerOperator(settings);
    try (var h = TrainerHarness.harness(op)) {
      h.open();
      for (var r : TrainerHarness.records("m1", 10, 1)) { // 70 tokens: 3 steps of 18
        h.processElement(new StreamRecord<>(r, r.getEventTime().toEpochMilli()));
      }
      assertThat(op.model("m1").step()).isEqualTo(3);
    }
  }

  @Test
  void gpuWithoutOneFailsTheJobInsteadOfRestartingIt() throws Exception {
    assumeTrue(
        Engine.getInstance().getGpuCount() == 0,
        "DJL sees a GPU here: the refusal is for TaskManagers without one");
    var settings = TrainerHarness.settings().withDevice(DeviceChoice.GPU);
    try (var h = TrainerHarness.harness(new MoeTrainerOperator(settings))) {
      assertThatThrownBy(h::open)
          .isInstanceOf(SuppressRestartsException.class)
          .hasRootCauseInstanceOf(DeviceChoice.NoGpuException.class);
    }
  }
}
