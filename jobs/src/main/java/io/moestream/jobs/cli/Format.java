package io.moestream.jobs.cli;

import java.util.Locale;

/** Compact, locale-independent number formatting for console lines and tables. */
public final class Format {
  private Format() {}

  public static String doubles(double[] values, String sep, int decimals) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      b.append(i == 0 ? "" : sep).append(fixed(values[i], decimals));
    }
    return b.toString();
  }

  public static String ints(int[] values, String sep) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      b.append(i == 0 ? "" : sep).append(values[i]);
    }
    return b.toString();
  }

  public static String fixed(double v, int decimals) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : "n/a";
  }
}
