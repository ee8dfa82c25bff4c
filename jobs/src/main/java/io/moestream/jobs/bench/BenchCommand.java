package io.moestream.jobs.bench;

import io.moestream.jobs.drift.BenchDriftCommand;
import picocli.CommandLine.Command;

/**
 * Groups the benchmarks. Each prints one JSON line so results from different machines, sizes and
 * routers can be appended to one file and compared with {@code jq}.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks that print one JSON line each.",
    subcommands = {
      BenchTrainCommand.class,
      BenchDriftCommand.class,
      io.moestream.jobs.stream.BenchPipelineCommand.class,
      io.moestream.jobs.stream.BenchSoakCommand.class
    })
public final class BenchCommand {}
