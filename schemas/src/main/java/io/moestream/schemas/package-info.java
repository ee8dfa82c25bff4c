/**
 * The product's wire and state formats: the classes avro-maven-plugin generates from {@code
 * src/main/avro/*.avsc} ({@code TokenSequence}, {@code ExpertLifecycleEvent}, {@code
 * TrainingSummary} and {@code DeadLetter} on Kafka; {@code TrainerCursorState} and {@code
 * RoutingRecordsState} in keyed state), plus what every producer and consumer of them shares:
 * {@link AvroCodec} (single-object encoding that still decodes every earlier schema version),
 * {@link AvroLimits} (the 1 MiB field limit, installed before Avro loads) and {@link LifecycleKeys}
 * (registry keys and event ids). Every earlier schema is kept under {@code
 * src/test/resources/schemas/history/} and checked by {@code SchemaCompatibilityTest}. May import
 * Avro and the JDK only: state, flink-operators and jobs depend on this module, never the reverse,
 * and moe-core never depends on it (the maths stays Avro-free).
 */
package io.moestream.schemas;
