/**
 * Kafka as the commands use it: topic creation, the embedded KRaft broker run in a child JVM,
 * whole-topic reads, {@code produce} (text files → {@code TokenSequence} records) and the {@code
 * registry} commands that read the model-registry topic ({@code tail}, {@code check}, {@code
 * materialize}). Imports the Kafka clients, the Avro schemas, the library's tokenizer and {@code
 * jobs.cli} (topic names, client settings); no Flink.
 */
package io.moestream.jobs.kafka;
