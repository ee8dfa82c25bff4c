/**
 * The Flink operators of the streaming job: thin adapters between Flink's records, keyed state and
 * metrics and moe-core's trainer, so that no tensor and no MoE maths lives here. Read {@link
 * MoeTrainerOperator} first (the keyed trainer: one model per key, as {@link ModelSession}s; {@link
 * KeyedModelStore} loads them from keyed state and writes them back just before each checkpoint
 * barrier), then {@link ValidateTokens} with {@link TokenValidator} (raw Kafka records in, valid
 * {@code TokenSequence}s or dead letters out; the rules are pure and unit-tested) and {@link
 * TrainerSettings} (everything a subtask needs, shipped with the job). The job's wiring, sources,
 * sinks and option parsing live in jobs. May import Flink (provided scope), Avro, DJL's device API,
 * moe-core, state and schemas; never {@code io.moestream.jobs} ({@code ProjectLayoutTest}; jobs
 * depends on this module).
 */
package io.moestream.operators;
