/**
 * Savepoints as model snapshots: {@code snapshot list} and {@code snapshot export} read the
 * trainer's keyed state out of a savepoint or retained checkpoint with Flink's State Processor API
 * ({@code SavepointModels}, no running job needed) and write a self-describing export (safetensors
 * + manifest); {@code infer} loads an export and scores text. Imports Flink's state processor,
 * {@code state/} and the MoE library's codec and serving classes.
 */
package io.moestream.jobs.snapshot;
