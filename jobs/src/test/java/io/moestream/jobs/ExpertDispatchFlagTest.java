package io.moestream.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moestream.moe.tensor.Bf16Kernels;
import org.junit.jupiter.api.Test;

/**
 * {@code --expert-dispatch} on {@code train-local} and {@code bench train}, in-process with real
 * libtorch and the CLI's default model flags, and {@code bench train}'s comparison of both
 * dispatches on the same batches. (That both compute the same model: {@code GroupedExpertsTest}.)
 * The grouped runs also take {@code --precision bf16}, so the bf16 path of both commands runs here
 * at no extra cost (that bf16 trains like fp32: {@code Bf16ParityTest}).
 */
class ExpertDispatchFlagTest {
  @Test
  void trainLocalTrainsWithTheGroupedDispatchInBf16() {
    CliRun r =
        CliRun.of(
            "train-local",
            "--expert-dispatch",
            "grouped",
            "--precision",
            "bf16",
            "--steps",
            "3",
            "--no-progress");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("steps:            3").containsPattern("digest: +[0-9a-f]{64}");
    // said once, in the header: whether bf16 runs native kernels here
    assertThat(r.out())
        .contains("precision: bf16, " + Bf16Kernels.status().describe())
        .containsOnlyOnce("precision: ");
  }

  @Test
  void benchTrainReportsBothDispatchesOfTheSameRun() throws Exception {
    CliRun r = CliRun.of("bench", "train", "--steps", "4", "--warmup", "1");
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode d = new ObjectMapper().readTree(r.out()).path("expert_dispatch");
    assertThat(d.path("timed").asText()).isEqualTo("per-expert");
    for (String name : new String[] {"per-expert", "grouped"}) {
      assertThat(d.path(name).path("tokens_per_s").asDouble()).as(name).isPositive();
      assertThat(d.path(name).path("ms_per_step").asDouble()).as(name).isPositive();
      // The phases split each step's wall time: they add up to it.
      JsonNode phases = d.path(name).path("phase_ms_per_step");
      double sum = 0;
      for (String phase :
          new String[] {"forward", "backward", "optimizer", "release", "lifecycle"}) {
        assertThat(phases.path(phase).isNumber()).as(name + " " + phase).isTrue();
        assertThat(phases.path(phase).asDouble()).as(name + " " + phase).isNotNegative();
        sum += phases.path(phase).asDouble();
      }
      assertThat(phases.path("forward").asDouble()).as(name).isPositive();
      assertThat(sum).as(name).isCloseTo(d.path(name).path("ms_per_step").asDouble(), within(1e-6));
    }
    assertThat(d.path("grouped_speedup").asDouble()).isPositive();
    // Same seed, same batches: the two models differ by rounding only (GroupedExpertsTest).
    assertThat(d.path("max_abs_loss_diff").asDouble()).isBetween(0.0, 1e-3);
    JsonNode o = new ObjectMapper().readTree(r.out());
    assertThat(o.path("precision").asText()).isEqualTo("fp32");
    assertThat(o.path("precision_kernels").asText()).isEqualTo("fp32");
    // Per step: DynMoE's 2 layers read their routing once each, then one read ends the step
    // (StepReadsTest); 4 steps are far from the first lifecycle event. The libtorch calls come
    // from PyTorch's profiler on extra steps: hundreds per step at this size.
    assertThat(o.path("host_reads_per_step").asDouble()).isEqualTo(3.0);
    assertThat(o.path("host_reads_max_step").asLong()).isEqualTo(3);
    // About 570 at this size with libtorch 2.7.1: on the CPU AdamW's arithmetic and the gradients'
    // norm run in Java (HostUpdates; libtorch's packed update made it 1,025, a per-tensor AdamW
    // 1,720) and constant operands are made once. The bound leaves room for another libtorch
    // counting its calls a little differently, not for losing the Java update.
    assertThat(o.path("libtorch_calls_per_step").asDouble()).isBetween(100.0, 800.0);
    assertThat(o.path("malloc").has("trim_threshold")).isTrue();
  }

  @Test
  void benchTrainTimesOneDispatchWhenAsked() throws Exception {
    CliRun r =
        CliRun.of(
            "bench",
            "train",
            "--expert-dispatch",
            "grouped",
            "--no-compare-dispatch",
            "--precision",
            "bf16",
            "--steps",
            "3",
            "--warmup",
            "1");
    assertThat(r.exit()).as(r.err()).isZero();
    JsonNode o = new ObjectMapper().readTree(r.out());
    assertThat(o.path("precision").asText()).isEqualTo("bf16");
    // native or emulated, as the loaded JNI allows; on DJL's stock JNI (CI) emulated
    assertThat(o.path("precision_kernels").asText()).isEqualTo(Bf16Kernels.status().kind());
    assertThat(o.path("precision_kernels_detail").asText())
        .isEqualTo(Bf16Kernels.status().describe());
    JsonNode d = o.path("expert_dispatch");
    assertThat(d.path("timed").asText()).isEqualTo("grouped");
    assertThat(d.path("grouped").path("tokens_per_s").asDouble()).isPositive();
    assertThat(d.has("per-expert")).isFalse();
    assertThat(d.has("grouped_speedup")).isFalse();
  }

  @Test
  void anUnknownDispatchIsOneErrorLine() {
    CliRun r = CliRun.of("train-local", "--expert-dispatch", "dense");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).startsWith("error: ").contains("per-expert or grouped");
  }
}
