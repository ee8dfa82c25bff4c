package io.moestream.moe.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Compares computed values with a case's expected JSON values and collects {@link FieldCheck}s. */
final class FieldComparator {
  private final Tolerance tol;
  private final List<FieldCheck> checks = new ArrayList<>();

  FieldComparator(Tolerance tol) {
    this.tol = tol;
  }

  List<FieldCheck> checks() {
    return checks;
  }

  void close(String field, double[] got, JsonNode want) {
    compare(field, got, flatten(want), tol.abs(), tol.rel(), false);
  }

  void grad(String field, double[] got, JsonNode want) {
    compare(field, got, flatten(want), tol.gradAbs(), tol.rel(), false);
  }

  void exact(String field, double[] got, JsonNode want) {
    compare(field, got, flatten(want), 0, 0, true);
  }

  void notApplicable(String field, String why) {
    checks.add(new FieldCheck(field, 0, 0, false, true, why));
  }

  void missing(String field) {
    checks.add(new FieldCheck(field, Double.NaN, Double.NaN, false, false, "missing in output"));
  }

  private void compare(
      String field, double[] got, double[] want, double abs, double rel, boolean exact) {
    if (got.length != want.length) {
      checks.add(
          new FieldCheck(
              field,
              Double.NaN,
              Double.NaN,
              exact,
              false,
              "size " + got.length + " != expected " + want.length));
      return;
    }
    double maxErr = 0;
    double worst = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < got.length; i++) {
      double err = Math.abs(got[i] - want[i]);
      if (Double.isNaN(err)) {
        err = Double.POSITIVE_INFINITY;
      }
      maxErr = Math.max(maxErr, err);
      worst = Math.max(worst, err - (abs + rel * Math.abs(want[i])));
    }
    if (got.length == 0) {
      worst = 0;
    }
    boolean ok = exact ? maxErr == 0 : worst <= 0;
    checks.add(new FieldCheck(field, maxErr, worst, exact, ok, ""));
  }

  static double[] flatten(JsonNode node) {
    List<Double> out = new ArrayList<>();
    walk(node, out);
    double[] a = new double[out.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = out.get(i);
    }
    return a;
  }

  private static void walk(JsonNode n, List<Double> out) {
    if (n.isArray()) {
      for (JsonNode c : n) {
        walk(c, out);
      }
    } else if (n.isNumber()) {
      out.add(n.asDouble());
    } else if (n.isBoolean()) {
      out.add(n.asBoolean() ? 1.0 : 0.0);
    }
  }

  static long[] shape(JsonNode n) {
    List<Long> dims = new ArrayList<>();
    JsonNode c = n;
    while (c.isArray()) {
      dims.add((long) c.size());
      c = c.size() > 0 ? c.get(0) : null;
      if (c == null) {
        break;
      }
    }
    long[] s = new long[dims.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = dims.get(i);
    }
    return s;
  }
}
