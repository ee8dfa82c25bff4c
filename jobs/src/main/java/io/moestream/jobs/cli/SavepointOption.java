package io.moestream.jobs.cli;

import picocli.CommandLine.Option;

/** {@code --savepoint PATH}: the savepoint or retained checkpoint a snapshot command reads. */
public final class SavepointOption {
  @Option(
      names = "--savepoint",
      required = true,
      paramLabel = "PATH",
      description =
          "Savepoint or retained checkpoint directory (or its _metadata file); a path or the"
              + " file: URI Flink prints.")
  public String path;
}
