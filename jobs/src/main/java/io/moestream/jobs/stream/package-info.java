/**
 * The streaming job and the commands that run it: {@link io.moestream.jobs.stream.MoeStreamingJob}
 * wires source → validate → train → sinks from the source and sinks it is given (the place to read
 * first); {@code TrainCommand} runs it against a given Kafka (embedded Flink or {@code flink run}),
 * {@code DemoCommand}/{@code StreamingDemo} against an embedded broker and MiniCluster, and {@code
 * BenchPipelineCommand}/{@code BenchSoakCommand} measure it. Also the Kafka connectors with
 * exactly-once sinks, bounded runs that end with a savepoint, the checks made before a restore, and
 * the Flink settings of the embedded cluster ({@code FlinkSettings}, with Flink's Prometheus
 * reporter behind {@code --metrics-port}). The only package that imports Flink's DataStream API,
 * the operators and the Kafka connector together.
 */
package io.moestream.jobs.stream;
