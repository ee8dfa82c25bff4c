/**
 * The trainer's keyed state (key = model id), declared once so that the trainer operator, the
 * snapshot exporter (State Processor API, in jobs) and the restore tests agree on names and types.
 * Start with {@link TrainerState}, the state descriptors: renaming one or changing its type breaks
 * the restore of existing savepoints, so new data gets new state. {@link ModelEntries} exposes the
 * model-entries map as moe-core's chunk store; {@link TrainerCursor} and {@link RoutingStates}
 * convert library values to and from their Avro state records. A module of its own because both
 * flink-operators and jobs read this layout and neither may depend on the other's code. May import
 * Flink's state and type-information API (flink-core, flink-avro; provided), moe-core and schemas;
 * never {@code io.moestream.operators} or {@code io.moestream.jobs} ({@code ProjectLayoutTest}).
 */
package io.moestream.state;
