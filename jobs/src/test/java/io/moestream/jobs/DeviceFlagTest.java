package io.moestream.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moestream.jobs.cli.CliErrors;
import io.moestream.jobs.cli.DeviceOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --device} on the commands that train or check a model, in-process with real libtorch and
 * the CLI's default model flags: {@code cpu} runs on the CPU, and {@code gpu} where DJL sees no GPU
 * is one line and exit 1 before any work. ({@code train --device cpu} reaching the trainer's
 * settings: {@code TrainDeviceTest}.)
 */
class DeviceFlagTest {
  private static final String CASE =
      "../operators/moe-core/src/test/resources/conformance/dynmoe/basic-f64-deepspeed.json";

  @TempDir Path tmp;

  private static void assumeNoGpu() {
    assumeTrue(
        Engine.getInstance().getGpuCount() == 0,
        "DJL sees a GPU here: the refusal of --device gpu is for machines without one");
  }

  private static void assertNoGpuLine(CliRun r) {
    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(CliErrors.RUNTIME);
    assertThat(r.err().strip()).isEqualTo("error: " + DeviceOptions.noGpuLine());
  }

  @Test
  void trainLocalOnTheCpu() {
    CliRun r = CliRun.of("train-local", "--device", "cpu", "--steps", "3", "--no-progress");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("steps:            3").containsPattern("digest: +[0-9a-f]{64}");
  }

  @Test
  void benchTrainOnTheCpu() throws Exception {
    CliRun r = CliRun.of("bench", "train", "--device", "cpu", "--steps", "3", "--warmup", "1");
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode o = new ObjectMapper().readTree(r.out());
    assertThat(o.path("device").asText()).isEqualTo("cpu()");
    assertThat(o.path("config").path("d").asInt()).isEqualTo(128);
    assertThat(o.path("tokens_per_s").asDouble()).isPositive();
  }

  @Test
  void referenceCheckOnTheCpu() {
    CliRun r = CliRun.of("reference-check", "--device", "cpu", "--case", CASE);
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("\"device\":\"cpu()\"", "\"passed\":true");
  }

  @Test
  void aBadDeviceIsBadInput() {
    CliRun r = CliRun.of("train-local", "--device", "tpu", "--steps", "1");
    assertThat(r.exit()).isEqualTo(CliErrors.USAGE);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).startsWith("error: ").contains("--device", "cpu, gpu, auto");
  }

  @Test
  void gpuWithoutAGpuIsOneLineAndExit1OnEveryCommand() {
    assumeNoGpu();
    assertNoGpuLine(CliRun.of("train-local", "--device", "gpu", "--steps", "1", "--no-progress"));
    assertNoGpuLine(
        CliRun.of("bench", "train", "--device", "gpu", "--steps", "3", "--warmup", "1"));
    assertNoGpuLine(CliRun.of("reference-check", "--device", "gpu", "--case", CASE));
    CliRun train =
        CliRun.of(
            "train",
            "--device",
            "gpu",
            "--bootstrap-servers",
            "127.0.0.1:1",
            "--work-dir",
            tmp.resolve("w").toString(),
            "--timeout",
            "1");
    assertNoGpuLine(train); // not Kafka's "no answer": the device is checked first
    assertThat(train.out()).doesNotContain("Flink web UI");
  }
}
