package io.moestream.jobs.kafka;

import io.moestream.jobs.cli.KafkaClientProps;
import io.moestream.moe.serve.Manifest;
import io.moestream.schemas.ExpertLifecycleEvent;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code moe registry check --snapshot DIR}: does the registry topic agree with an exported
 * snapshot? For every model in DIR, the registry is replayed up to the snapshot's step (events of
 * steps {@code < step}; the job may have trained on since) from the manifest's E_init, and each
 * layer's active slots are compared with the manifest's. Exit 0 when all agree, 1 on any difference
 * (each printed), 2 when the snapshot or the topic cannot be read.
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description =
        "Compare the registry topic's expert sets with an exported snapshot's manifest; exit 1 on"
            + " any difference.")
public final class RegistryCheckCommand implements Callable<Integer> {
  static {
    CliDefaults.trustSchemas();
  }

  /** Exit code when the registry and the snapshot differ. */
  static final int DIFFERENT = 1;

  @Spec CommandSpec spec;
  @Mixin KafkaClientProps kafka;

  @Option(
      names = "--snapshot",
      required = true,
      paramLabel = "DIR",
      description = "An exported model directory, or the --out directory of snapshot export.")
  Path snapshot;

  @Mixin RegistryReadOptions registry;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    List<Manifest> manifests = new ArrayList<>();
    for (Path dir : Manifest.modelDirs(snapshot)) {
      manifests.add(Manifest.read(dir));
    }
    List<ExpertLifecycleEvent> events =
        RegistryEvents.readAll(
            kafka, registry.topic(), registry.timeout(), spec.commandLine().getErr());
    int differences = 0;
    for (Manifest m : manifests) {
      List<ExpertLifecycleEvent> mine =
          events.stream().filter(e -> e.getModelId().equals(m.modelId())).toList();
      RegistryState state = RegistryState.of(mine, m.model().router().experts(), m.step());
      for (int l = 0; l < m.model().layers(); l++) {
        List<Integer> registry = List.copyOf(state.layer(m.modelId(), l).active());
        List<Integer> snap = m.activeSlots().get(l);
        if (registry.equals(snap)) {
          out.println("ok " + m.modelId() + " layer " + l + ": " + snap + " at step " + m.step());
        } else {
          differences++;
          out.println(
              "DIFFERENT "
                  + m.modelId()
                  + " layer "
                  + l
                  + ": snapshot "
                  + snap
                  + ", registry "
                  + registry
                  + " (events of steps < "
                  + m.step()
                  + ")");
        }
      }
    }
    out.println(
        differences == 0
            ? "registry agrees with " + manifests.size() + " model(s) in " + snapshot
            : differences + " difference(s) between the registry and " + snapshot);
    out.flush();
    return differences == 0 ? 0 : DIFFERENT;
  }
}
