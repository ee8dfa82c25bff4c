/**
 * Training without Kafka or Flink: {@code train-local} (one in-process trainer over text files,
 * with a progress bar, a per-domain table and the digest), the loop and listeners behind it (also
 * used by the {@code demo --local} flavour; {@code SwitchSpawns}, the summary of spawns near each
 * domain switch, is shared with the embedded demo in {@code jobs.stream}), and {@code
 * reference-check}, which replays the official DynMoE code's conformance cases. {@code
 * FlopCounter}, the model-FLOPs count, is shared by {@code bench train} and {@code bench drift}. It
 * imports the MoE library and {@code jobs.cli} only: no Flink, Kafka or Avro.
 */
package io.moestream.jobs.local;
