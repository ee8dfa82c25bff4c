package io.moestream.jobs.doctor;

import java.util.List;
import java.util.Locale;

/**
 * The doctor's judgement, apart from running anything, so it is tested on hand-made numbers: how a
 * GPU's losses compare with the CPU's, and what the whole report means for the user.
 *
 * @param exit 0 when every check passed, else 1 ({@code CliErrors.RUNTIME}: the machine, not the
 *     command, must change)
 * @param summary the {@code verdict:} line
 * @param whatToDo the one line saying what to do, or null when all passed
 */
public record DoctorVerdict(int exit, String summary, String whatToDo) {

  /** Where the README says how to make a GPU usable. */
  static final String GPU_SECTION = "README \"GPU\"";

  /**
   * Compares the losses of the same run on a GPU and on the CPU: each step's difference, relative
   * to {@code max(1, |cpu loss|)}, must be at most {@code tolerance}. Fails when the runs differ in
   * length or either loss is not finite.
   */
  static CheckLine compareLosses(String device, double[] cpu, double[] gpu, double tolerance) {
    String check = "train vs cpu";
    if (cpu.length != gpu.length || cpu.length == 0) {
      return CheckLine.fail(
          device,
          check,
          "ran " + gpu.length + " steps, the CPU " + cpu.length + ": not comparable");
    }
    double worst = 0;
    int at = 0;
    for (int s = 0; s < cpu.length; s++) {
      if (!Double.isFinite(cpu[s]) || !Double.isFinite(gpu[s])) {
        return CheckLine.fail(
            device,
            check,
            String.format(Locale.ROOT, "step %d: loss %s here, %s on the CPU", s, gpu[s], cpu[s]));
      }
      double diff = Math.abs(gpu[s] - cpu[s]) / Math.max(1.0, Math.abs(cpu[s]));
      if (diff > worst) {
        worst = diff;
        at = s;
      }
    }
    String detail =
        String.format(
            Locale.ROOT,
            "max |loss - cpu loss| %.2e at step %d %s %.0e (relative to max(1, |cpu loss|))",
            worst,
            at,
            worst <= tolerance ? "<=" : ">",
            tolerance);
    return worst <= tolerance
        ? CheckLine.ok(device, check, detail)
        : CheckLine.fail(device, check, detail);
  }

  /** The check name of {@link #unseenGpus}. */
  static final String UNSEEN_GPUS = "visible";

  /**
   * The failed check of a machine with {@code present} NVIDIA GPUs of which DJL sees only {@code
   * seen}.
   */
  static CheckLine unseenGpus(int present, int seen, String flavor) {
    return CheckLine.fail(
        "gpu",
        UNSEEN_GPUS,
        present
            + " NVIDIA GPU(s) on this machine, DJL sees "
            + seen
            + " (libtorch flavor "
            + flavor
            + ")");
  }

  /**
   * What {@code lines} mean: all passed (exit 0); the CPU failed (the build or libtorch is broken
   * everywhere); or only a GPU failed or disagrees with the CPU, which in practice is DJL's JNI not
   * built for the installed libtorch (it loads, then fails or computes wrong numbers on the GPU).
   * With a libtorch of the user's own ({@code ownLibtorch}) a CPU failure points at the JNI too:
   * DJL's prebuilt JNI loads against another libtorch and then fails at the first tensor, on every
   * device.
   */
  static DoctorVerdict of(
      List<CheckLine> lines, String libtorchVersion, String flavor, int gpus, boolean ownLibtorch) {
    long failed = lines.stream().filter(l -> !l.ok()).count();
    String devices = gpus == 0 ? "cpu() only: DJL sees no GPU" : "cpu() and " + gpus + " GPU(s)";
    if (failed == 0) {
      return new DoctorVerdict(
          0, "verdict: ok, " + lines.size() + " checks passed on " + devices, null);
    }
    String summary = "verdict: FAIL, " + failed + " of " + lines.size() + " checks failed";
    if (lines.stream().anyMatch(l -> !l.ok() && l.check().equals(UNSEEN_GPUS))) {
      return new DoctorVerdict(
          1,
          summary,
          "DJL does not see this machine's NVIDIA GPUs with libtorch "
              + libtorchVersion
              + " ("
              + flavor
              + "): point PYTORCH_LIBRARY_PATH at a CUDA build of torch, set PYTORCH_VERSION and"
              + " PYTORCH_FLAVOR=cuXXX and build the JNI for it as "
              + GPU_SECTION
              + " says, then rerun 'moe doctor'");
    }
    List<String> badDevices =
        lines.stream().filter(l -> !l.ok()).map(CheckLine::device).distinct().toList();
    String rebuild =
        "DJL's JNI does not match libtorch "
            + libtorchVersion
            + " ("
            + flavor
            + "); build the JNI for this libtorch as "
            + GPU_SECTION
            + " says, then rerun 'moe doctor'";
    if (badDevices.contains("cpu()") && ownLibtorch) {
      return new DoctorVerdict(1, summary, "the checks fail on the CPU too: " + rebuild);
    }
    if (badDevices.contains("cpu()")) {
      return new DoctorVerdict(
          1,
          summary,
          "the checks fail on the CPU, so this build or libtorch "
              + libtorchVersion
              + " ("
              + flavor
              + ") is broken: rerun with -Dmoe.debug=true and report it");
    }
    return new DoctorVerdict(
        1, summary, String.join(", ", badDevices) + " does not match the CPU: " + rebuild);
  }
}
