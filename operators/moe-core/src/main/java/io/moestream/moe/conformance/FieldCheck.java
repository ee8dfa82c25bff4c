package io.moestream.moe.conformance;

/**
 * One compared field of a conformance case.
 *
 * @param field dotted path in the case file, e.g. {@code grads.total.sim_matrix}
 * @param maxAbsError the largest |got − want| over the field's elements
 * @param worstExcess the largest |got − want| − (abs + rel·|want|); ≤ 0 passes
 * @param exact whether the field must match exactly (integers, masks, indices)
 * @param passed whether every element is within tolerance
 * @param note why a field was not compared numerically (empty otherwise)
 */
public record FieldCheck(
    String field,
    double maxAbsError,
    double worstExcess,
    boolean exact,
    boolean passed,
    String note) {}
