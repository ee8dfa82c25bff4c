/**
 * Kafka as the commands use it: the topic names (one place), topic creation, the embedded KRaft
 * broker run in a child JVM, the client settings every command shares ({@code --bootstrap-servers},
 * {@code --kafka-config}), {@code produce} (text files → {@code TokenSequence} records) and the
 * {@code registry} commands that read the model-registry topic ({@code tail}, {@code check}, {@code
 * materialize}). Imports the Kafka clients, the Avro schemas and the library's tokenizer; no Flink.
 */
package io.moestream.jobs.kafka;
