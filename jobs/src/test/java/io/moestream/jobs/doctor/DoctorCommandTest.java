package io.moestream.jobs.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moestream.jobs.CliRun;
import io.moestream.moe.tensor.Bf16Kernels;
import org.junit.jupiter.api.Test;

/**
 * {@code moe doctor} in-process on this machine, with real libtorch: every CPU check passes and
 * exits 0 (on a machine with GPUs the GPU lines must pass too; {@code DoctorGpuTest} insists).
 */
class DoctorCommandTest {
  @Test
  void doctorReportsTheEngineAndPassesOnTheCpu() {
    CliRun r = CliRun.of("doctor");
    System.out.print(r.out()); // the build log then shows which engine the suite ran on
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .contains("engine:      PyTorch ", "(DJL 0.35.1)", "libtorch:", "threads:     intra-op ")
        .contains("gpus:        ")
        // what --precision bf16 runs here: emulated on DJL's stock JNI, native on a patched one
        .contains("bf16:        " + Bf16Kernels.status().describe())
        .containsPattern("(?m)^bf16:        (native bfloat16 kernels|emulated: )")
        .containsPattern("flavor (cpu|cu\\d+)")
        .containsPattern("(?m)^loaded: .*libtorch_cpu\\.so$")
        // the test JVM's own malloc (surefire's JVM preloads none; ./moe would): named, never blank
        .containsPattern("(?m)^malloc:      (glibc \\(|jemalloc /|tcmalloc /|mimalloc /)")
        .containsPattern("(?m)^ok   cpu\\(\\)   train +3 steps of d=128 layers=2 ctx=128 batch=8")
        .containsPattern(
            "(?m)^ok   cpu\\(\\)   conformance +basic-f32-deepspeed: \\d+ fields, 0 outside")
        .containsPattern("(?m)^verdict: ok, \\d+ checks passed on cpu\\(\\)");
    assertThat(r.out()).doesNotContain("FAIL");
  }

  @Test
  void jsonOutputCarriesTheSameChecks() throws Exception {
    CliRun r = CliRun.of("doctor", "--json", "--steps", "2");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out().strip().lines()).hasSize(1);
    JsonNode o = new ObjectMapper().readTree(r.out());
    assertThat(o.path("passed").asBoolean()).isTrue();
    assertThat(o.path("engine").path("djl").asText()).isEqualTo("0.35.1");
    assertThat(o.path("engine").path("bf16_kernels").asText()).isIn("native", "emulated");
    assertThat(o.path("engine").path("malloc").path("allocator").asText())
        .isIn("glibc", "jemalloc", "tcmalloc", "mimalloc");
    JsonNode first = o.path("checks").get(0);
    assertThat(first.path("device").asText()).isEqualTo("cpu()");
    assertThat(first.path("check").asText()).isEqualTo("train");
    assertThat(first.path("ok").asBoolean()).isTrue();
    assertThat(first.path("detail").asText()).startsWith("2 steps of d=128");
  }

  @Test
  void badStepsIsOneErrorLineAndExit2() {
    CliRun r = CliRun.of("doctor", "--steps", "0");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().strip()).isEqualTo("error: --steps must be >= 1, got 0");
  }
}
