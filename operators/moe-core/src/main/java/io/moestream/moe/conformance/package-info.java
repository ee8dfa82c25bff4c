/**
 * Checks the DynMoE implementation against the language-neutral cases of {@code
 * shared/conformance/dynmoe/}: {@link DynMoeConformance} runs one case through the real gate, aux
 * loss, routed combine, libtorch autograd and lifecycle, and compares every field at the README's
 * per-dtype tolerances, returning a {@link ConformanceReport} of {@link FieldCheck}s. Here, not in
 * the tests, because the CLI's reference check runs the same cases on a user's machine. May import
 * DJL, Jackson (the case files are JSON) and the model, router, lifecycle, config and tensor
 * packages; never Flink, Avro or Kafka.
 */
package io.moestream.moe.conformance;
