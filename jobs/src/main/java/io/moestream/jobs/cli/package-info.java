/**
 * What every command shares: option groups as picocli mixins ({@code ModelOptions}, {@code
 * TrainOptions}, ...), converters that delegate to the library's own parsers, the {@code --config
 * FILE} default provider, console number formatting, the Kafka client options every Kafka command
 * shares ({@code KafkaClientProps}, with the client timeouts {@code KafkaTimeouts} derives from
 * {@code --timeout}, {@code TimeoutOption}) and the topic names ({@code TopicNames}), the {@code
 * -D} Flink settings checked against Flink's own options ({@code FlinkConfigOptions}, {@code
 * FlinkOptionCatalog}), and {@code CliErrors}, the one place that maps an exception to its {@code
 * error:} line and exit code. It may import picocli, the Kafka client's configuration types,
 * Flink's configuration types and the MoE library's config types; it imports no other jobs package
 * and holds no command, so every command package may depend on it.
 */
package io.moestream.jobs.cli;
