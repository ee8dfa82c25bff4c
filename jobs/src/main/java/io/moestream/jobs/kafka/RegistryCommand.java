package io.moestream.jobs.kafka;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code moe registry}: tools for the expert registry topic (the compacted log of every model's
 * expert-set changes). A group so that reading ({@code tail}) and later materialising or checking
 * the registry share one place on the command line.
 */
@Command(
    name = "registry",
    mixinStandardHelpOptions = true,
    description = "Read the expert registry topic (ExpertLifecycleEvent records).",
    subcommands = {
      RegistryTailCommand.class,
      RegistryMaterializeCommand.class,
      RegistryCheckCommand.class
    })
public final class RegistryCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "missing subcommand: one of " + spec.subcommands().keySet());
  }
}
