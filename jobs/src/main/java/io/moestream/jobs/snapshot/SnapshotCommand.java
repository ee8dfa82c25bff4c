package io.moestream.jobs.snapshot;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code moe snapshot}: model snapshots taken from the job's savepoints. */
@Command(
    name = "snapshot",
    mixinStandardHelpOptions = true,
    description = "List or export the models in a savepoint or retained checkpoint.",
    subcommands = {SnapshotListCommand.class, SnapshotExportCommand.class})
public final class SnapshotCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "missing subcommand: one of " + spec.subcommands().keySet());
  }
}
