package io.moestream.jobs.doctor;

/**
 * One line of the doctor's report: a check on one device and whether it passed.
 *
 * @param device the DJL device name ({@code cpu()}, {@code gpu(0)})
 * @param check what was checked ({@code train}, {@code conformance}, {@code train vs cpu})
 * @param ok whether it passed
 * @param detail the numbers behind the verdict, or what failed
 */
public record CheckLine(String device, String check, boolean ok, String detail) {
  public static CheckLine ok(String device, String check, String detail) {
    return new CheckLine(device, check, true, detail);
  }

  public static CheckLine fail(String device, String check, String detail) {
    return new CheckLine(device, check, false, detail);
  }

  /** {@code ok gpu(0) train vs cpu max |Δloss| 2.1e-07 <= 1e-04}. */
  public String format() {
    return String.format(
        java.util.Locale.ROOT, "%-4s %-7s %-13s %s", ok ? "ok" : "FAIL", device, check, detail);
  }
}
