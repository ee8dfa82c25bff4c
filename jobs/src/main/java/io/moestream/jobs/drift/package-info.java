/**
 * {@code moe bench drift}, the headline benchmark: every router trained on the same drifting stream
 * from several seeds, then a report folder (CSV, plots drawn with XChart, {@code report.md} with
 * the verdict). {@code DriftRunner} trains, {@code DriftMetrics} holds the arithmetic as pure
 * functions, {@code DriftVerdict} answers the benchmark's questions, the {@code Drift*Writer} and
 * {@code Drift*Plots} classes only present. Imports the MoE library, {@code jobs.cli} and {@code
 * jobs.local} (the recent-mean of the prequential loss); no Flink or Kafka (the benchmark measures
 * the maths, not the pipeline).
 */
package io.moestream.jobs.drift;
