package io.moestream.jobs.kafka;

import io.moestream.jobs.cli.KafkaClientProps;
import io.moestream.schemas.ExpertEventKind;
import io.moestream.schemas.ExpertLifecycleEvent;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code moe registry materialize}: what a downstream service rebuilds from the registry topic —
 * per model and layer, the active expert slots now and the spawns and prunes that led there (see
 * {@link RegistryState} for the rules).
 */
@Command(
    name = "materialize",
    mixinStandardHelpOptions = true,
    description =
        "Read the registry topic from the beginning and print, per model and layer, the active"
            + " expert slots and their spawn/prune history.")
public final class RegistryMaterializeCommand implements Callable<Integer> {
  static {
    CliDefaults.trustSchemas();
  }

  @Spec CommandSpec spec;
  @Mixin KafkaClientProps kafka;

  @Mixin RegistryReadOptions registry;

  @Option(names = "--model-id", paramLabel = "ID", description = "Only this model.")
  String modelId;

  @Option(
      names = "--initial-experts",
      defaultValue = "4",
      paramLabel = "N",
      description =
          "Experts a model starts with (E_init, slots 0..N-1; the events only carry changes;"
              + " default: ${DEFAULT-VALUE}).")
  int initialExperts;

  @Override
  public Integer call() {
    if (initialExperts < 1) {
      throw new IllegalArgumentException("--initial-experts must be >= 1, got " + initialExperts);
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<ExpertLifecycleEvent> events =
        RegistryEvents.readAll(kafka, registry.topic(), registry.timeout(), err);
    RegistryState state = RegistryState.of(events, initialExperts, Long.MAX_VALUE);
    int shown = 0;
    for (String model : state.models()) {
      if (modelId != null && !modelId.equals(model)) {
        continue;
      }
      shown++;
      out.println("model " + model);
      for (int l : state.layers(model)) {
        RegistryState.Layer layer = state.layer(model, l);
        out.println(
            "  layer " + l + ": active " + layer.active() + " (" + layer.active().size() + ")");
        for (ExpertLifecycleEvent e : layer.history()) {
          out.println("    " + describe(e));
        }
        if (!layer.consistent()) {
          err.println(
              "warning: "
                  + model
                  + " layer "
                  + l
                  + ": the replay gives "
                  + layer.active().size()
                  + " experts but the latest event says "
                  + layer.history().get(layer.history().size() - 1).getActiveAfter()
                  + " (is --initial-experts right?)");
        }
      }
    }
    if (shown == 0) {
      out.println(
          modelId == null
              ? "no lifecycle events on " + registry.topic()
              : "no events of model " + modelId);
    }
    out.flush();
    err.flush();
    return 0;
  }

  static String describe(ExpertLifecycleEvent e) {
    StringBuilder b = new StringBuilder();
    b.append("step ").append(e.getStep()).append(": ").append(e.getKind());
    b.append(" slot ").append(e.getSlot());
    if (e.getKind() == ExpertEventKind.SPAWNED) {
      b.append(" (from ");
      b.append(e.getInitialisedFrom() < 0 ? "random" : "slot " + e.getInitialisedFrom());
      b.append(", ").append(e.getUnroutedTokens()).append(" unrouted tokens)");
    } else if (e.getKind() == ExpertEventKind.PRUNED) {
      b.append(" (idle for ").append(e.getWindowTokens()).append(" tokens)");
    }
    b.append(" -> ").append(e.getActiveAfter()).append(" active");
    return b.toString();
  }
}
