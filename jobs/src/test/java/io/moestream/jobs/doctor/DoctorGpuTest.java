package io.moestream.jobs.doctor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moestream.jobs.CliRun;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * On a machine where DJL sees a GPU: the doctor's GPU checks pass (the JNI matches libtorch) and
 * {@code --device gpu} trains there. Skipped, with the reason, where DJL sees none (CI's CPUs).
 */
class DoctorGpuTest {
  @BeforeEach
  void needsAGpu() {
    assumeTrue(
        Engine.getInstance().getGpuCount() > 0,
        "DJL sees no GPU here (CPU libtorch or no CUDA driver): GPU checks run where one is"
            + " (README \"GPU\")");
  }

  @Test
  void everyGpuMatchesTheCpu() {
    CliRun r = CliRun.of("doctor");
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .containsPattern("(?m)^ok   gpu\\(0\\)  train vs cpu ")
        .containsPattern("(?m)^ok   gpu\\(0\\)  conformance ")
        .doesNotContain("FAIL");
  }

  @Test
  void benchTrainRunsOnTheGpu() throws Exception {
    CliRun r = CliRun.of("bench", "train", "--device", "gpu", "--steps", "3", "--warmup", "1");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(new ObjectMapper().readTree(r.out()).path("device").asText()).isEqualTo("gpu(0)");
  }

  @Test
  void trainLocalRunsOnTheGpu() {
    CliRun r = CliRun.of("train-local", "--device", "gpu", "--steps", "3", "--no-progress");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("steps:            3");
  }
}
