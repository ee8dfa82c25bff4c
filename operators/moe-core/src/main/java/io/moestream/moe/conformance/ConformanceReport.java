package io.moestream.moe.conformance;

import java.util.List;

/** The outcome of one conformance case: every compared field, and whether all passed. */
public record ConformanceReport(
    String caseName, String dtype, String auxVariant, List<FieldCheck> fields) {

  public ConformanceReport {
    fields = List.copyOf(fields);
  }

  public boolean passed() {
    return fields.stream().allMatch(FieldCheck::passed);
  }

  public List<FieldCheck> failures() {
    return fields.stream().filter(f -> !f.passed()).toList();
  }
}
