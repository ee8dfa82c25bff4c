package io.moestream.jobs.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The doctor's judgement on hand-made numbers: no libtorch, no GPU needed. */
class DoctorVerdictTest {
  private static final double[] CPU = {5.6, 5.4, 5.1};

  @Test
  void lossesWithinTheToleranceAgree() {
    CheckLine l =
        DoctorVerdict.compareLosses("gpu(0)", CPU, new double[] {5.6, 5.4 + 2e-4, 5.1}, 1e-4);
    // relative to max(1, |loss|): 2e-4 / 5.4 = 3.7e-5
    assertThat(l.ok()).as(l.detail()).isTrue();
    assertThat(l.detail()).contains("3.70e-05 at step 1 <= 1e-04");
  }

  @Test
  void aLossOffByMoreThanTheToleranceIsAMismatch() {
    CheckLine l =
        DoctorVerdict.compareLosses("gpu(0)", CPU, new double[] {5.6, 5.4, 5.1 + 0.01}, 1e-4);
    assertThat(l.ok()).isFalse();
    assertThat(l.detail()).contains("at step 2 >");
    assertThat(l.format()).startsWith("FAIL gpu(0)  train vs cpu");
  }

  @Test
  void smallLossesAreComparedAbsolutely() {
    double[] cpu = {0.01};
    assertThat(DoctorVerdict.compareLosses("gpu(0)", cpu, new double[] {0.01 + 5e-5}, 1e-4).ok())
        .isTrue();
    assertThat(DoctorVerdict.compareLosses("gpu(0)", cpu, new double[] {0.01 + 5e-4}, 1e-4).ok())
        .isFalse();
  }

  @Test
  void aNonFiniteLossOrAShorterRunFails() {
    assertThat(
            DoctorVerdict.compareLosses("gpu(0)", CPU, new double[] {5.6, Double.NaN, 5.1}, 1e-4)
                .ok())
        .isFalse();
    assertThat(DoctorVerdict.compareLosses("gpu(0)", CPU, new double[] {5.6}, 1e-4).ok()).isFalse();
  }

  @Test
  void allPassingIsExitZeroWithNothingToDo() {
    DoctorVerdict v =
        DoctorVerdict.of(
            List.of(CheckLine.ok("cpu()", "train", "x"), CheckLine.ok("cpu()", "conformance", "y")),
            "2.7.1",
            "cpu",
            0,
            false);
    assertThat(v.exit()).isZero();
    assertThat(v.whatToDo()).isNull();
    assertThat(v.summary())
        .isEqualTo("verdict: ok, 2 checks passed on cpu() only: DJL sees no GPU");
  }

  @Test
  void aGpuMismatchIsExitOneWithOneLineAboutTheJni() {
    DoctorVerdict v =
        DoctorVerdict.of(
            List.of(
                CheckLine.ok("cpu()", "train", "x"),
                CheckLine.ok("gpu(0)", "train", "x"),
                CheckLine.fail("gpu(0)", "train vs cpu", "max |loss - cpu loss| 3e-02")),
            "2.11.0",
            "cu130",
            1,
            true);
    assertThat(v.exit()).isEqualTo(1);
    assertThat(v.summary()).isEqualTo("verdict: FAIL, 1 of 3 checks failed");
    assertThat(v.whatToDo())
        .doesNotContain("\n")
        .contains("gpu(0) does not match the CPU", "libtorch 2.11.0 (cu130)", "README \"GPU\"");
  }

  @Test
  void aCpuFailureBlamesTheBuildNotTheJni() {
    DoctorVerdict v =
        DoctorVerdict.of(
            List.of(CheckLine.fail("cpu()", "conformance", "x")), "2.7.1", "cpu", 0, false);
    assertThat(v.exit()).isEqualTo(1);
    assertThat(v.whatToDo()).contains("fail on the CPU").doesNotContain("JNI");
  }

  @Test
  void aCpuFailureOnTheUsersOwnLibtorchBlamesTheJni() {
    // DJL's prebuilt JNI against libtorch 2.11 fails at the first tensor on every device
    DoctorVerdict v =
        DoctorVerdict.of(
            List.of(
                CheckLine.fail("cpu()", "train", "Cannot access data pointer of Tensor"),
                CheckLine.fail("gpu(0)", "train", "Cannot access data pointer of Tensor")),
            "2.11.0",
            "cu130",
            1,
            true);
    assertThat(v.exit()).isEqualTo(1);
    assertThat(v.whatToDo())
        .startsWith("the checks fail on the CPU too: DJL's JNI does not match libtorch 2.11.0")
        .contains("README \"GPU\"");
  }

  @Test
  void gpusTheDriverHasButDjlDoesNotSeeFailTheDoctorEvenWhenTheCpuPasses() {
    // a CPU libtorch on a GPU machine: every CPU check passes, the GPUs would sit idle
    DoctorVerdict v =
        DoctorVerdict.of(
            List.of(
                CheckLine.ok("cpu()", "train", "3 steps"),
                CheckLine.ok("cpu()", "conformance", "ok"),
                DoctorVerdict.unseenGpus(8, 0, "cpu")),
            "2.7.1",
            "cpu",
            0,
            false);
    assertThat(v.exit()).isEqualTo(1);
    assertThat(v.summary()).startsWith("verdict: FAIL, 1 of 3 checks failed");
    assertThat(v.whatToDo())
        .startsWith("DJL does not see this machine's NVIDIA GPUs with libtorch 2.7.1 (cpu)")
        .contains("PYTORCH_FLAVOR=cuXXX", "README \"GPU\"");
    assertThat(DoctorVerdict.unseenGpus(8, 0, "cpu").format())
        .contains("8 NVIDIA GPU(s) on this machine, DJL sees 0");
  }

  @Test
  void theDriversGpusAreCountedFromItsDirectoryOrItsDeviceNodes(@TempDir Path tmp)
      throws Exception {
    Path driver = Files.createDirectories(tmp.resolve("proc/driver/nvidia/gpus"));
    Path dev = Files.createDirectories(tmp.resolve("dev"));
    assertThat(NvidiaDevices.count(driver, dev)).isZero();
    Files.createFile(dev.resolve("nvidia0"));
    Files.createFile(dev.resolve("nvidia1"));
    Files.createFile(dev.resolve("nvidiactl")); // the control node is not a GPU
    assertThat(NvidiaDevices.count(driver, dev)).isEqualTo(2);
    Files.createDirectories(driver.resolve("0000:18:00.0"));
    assertThat(NvidiaDevices.count(driver, dev)).as("the driver's list wins").isEqualTo(1);
    assertThat(NvidiaDevices.count(tmp.resolve("absent"), tmp.resolve("absent"))).isZero();
  }
}
