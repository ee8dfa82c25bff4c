/**
 * The validated settings of a model and of its training, as immutable records that check their
 * values once at construction: {@link ModelConfig} (the LM's shape and its {@link RouterConfig}),
 * {@link TrainConfig} (optimizer, seed, {@link RecordingWindow}, spawn policy) and {@link
 * EvoMoeConfig} (EvoMoE's stages and DTR), plus {@link RestoreCompatibility} (whether a stored
 * model may continue under a run's settings) and {@link ModalityMap}. The CLI, the trainer operator
 * and snapshot metadata all carry these records. May import the JDK only: every other package of
 * the library may import this one, and it imports none of them (no cycle); never tensors (DJL),
 * Flink, Avro or Kafka.
 */
package io.moestream.moe.config;
