/**
 * {@code moe bench drift}, the headline benchmark: every router trained on the same drifting stream
 * from several seeds, in two presets (from scratch, and upcycled from a dense warm-up), then a
 * report folder (CSV, plots drawn with XChart, {@code report.md} with the verdict). {@code
 * DriftRunner} trains and scores the held-out slices, {@code DriftMetrics}, {@code DriftFrontier}
 * and {@code DriftBootstrap} hold the arithmetic as pure functions, {@code DriftComparison} and
 * {@code DriftVerdict} answer the benchmark's questions, the {@code Drift*Writer}, {@code
 * Drift*Tables} and {@code Drift*Plots} classes only present. Imports the MoE library (its snapshot
 * writer and upcycling included: the upcycled preset takes the path a user's {@code --init-from}
 * takes), {@code jobs.cli} and {@code jobs.local} (the recent-mean of the prequential loss, the
 * FLOP count); no Flink or Kafka (the benchmark measures the maths, not the pipeline).
 */
package io.moestream.jobs.drift;
