package io.moestream.moe.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a stored model may continue under a run's settings. A snapshot stores its model and
 * training config and a restored model trains with those, so a run whose flags differ would either
 * train an old model under a config hash it does not have or fail on the first step (a sequence
 * window longer than the model's context). Every field of {@link ModelConfig} and {@link
 * TrainConfig} must therefore match; what may change on restore is what neither record holds (see
 * {@link #MAY_CHANGE}).
 */
public final class RestoreCompatibility {
  private RestoreCompatibility() {}

  /** DynMoE's lifecycle gates, compared only between two DynMoE models. */
  private static final java.util.Set<String> DYNMOE_LIFECYCLE =
      java.util.Set.of("spawn-min-unrouted", "prune-max-share");

  /** The settings a restore may change: none of them is part of a stored model. */
  public static final String MAY_CHANGE =
      "only --parallelism, --threads, --checkpoint-interval, --summary-every, --batch,"
          + " --max-models, --max-tokens, --max-model-memory, --work-dir, --savepoint-dir,"
          + " --bounded, --job-name, --device, --precision, --init-from (it applies to models"
          + " without state only), the topics and the Kafka settings may change on restore";

  /**
   * One setting that differs.
   *
   * @param name the setting's flag name without dashes ({@code d}, {@code router}, {@code lr})
   * @param stored its value in the stored model
   * @param run its value in this run
   */
  public record Difference(String name, String stored, String run) {}

  /** The settings that differ, in flag order; empty when the model may continue under this run. */
  public static List<Difference> differences(
      ModelConfig storedModel,
      TrainConfig storedTrain,
      ModelConfig runModel,
      TrainConfig runTrain) {
    Map<String, String> stored = fields(storedModel, storedTrain);
    Map<String, String> run = fields(runModel, runTrain);
    // The lifecycle gates mean something only between two DynMoE models; across routers the
    // router's own difference refuses the restore, and naming the gates would only mislead.
    boolean bothDynMoe =
        storedModel.router().kind() == RouterKind.DYNMOE
            && runModel.router().kind() == RouterKind.DYNMOE;
    List<Difference> out = new ArrayList<>();
    stored.forEach(
        (name, value) -> {
          if (!bothDynMoe && DYNMOE_LIFECYCLE.contains(name)) {
            return;
          }
          if (!value.equals(run.get(name))) {
            out.add(new Difference(name, value, run.get(name)));
          }
        });
    return out;
  }

  /**
   * One line naming every differing setting, e.g. {@code the savepoint's models were trained with
   * d=32, router=top-k; this run has d=64, router=dynmoe (only ... may change on restore)}; empty
   * when the settings match.
   *
   * @param stored the stored models with their verb ({@code "the savepoint's models were"})
   * @param run the running side with its verb ({@code "this run has"})
   */
  public static Optional<String> mismatch(
      String stored,
      String run,
      ModelConfig storedModel,
      TrainConfig storedTrain,
      ModelConfig runModel,
      TrainConfig runTrain) {
    List<Difference> d = differences(storedModel, storedTrain, runModel, runTrain);
    if (d.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        stored
            + " trained with "
            + String.join(", ", d.stream().map(x -> x.name() + "=" + x.stored()).toList())
            + "; "
            + run
            + " "
            + String.join(", ", d.stream().map(x -> x.name() + "=" + x.run()).toList())
            + " ("
            + MAY_CHANGE
            + ")"
            + lifecycleHint(d));
  }

  /**
   * For a model stored before the CLI gated DynMoE's lifecycle on evidence (0/0 then, 0.02/0.05
   * now), the flags that continue it under the rules it was trained with.
   */
  private static String lifecycleHint(List<Difference> d) {
    List<Difference> rules =
        d.stream()
            .filter(
                x -> x.name().equals("spawn-min-unrouted") || x.name().equals("prune-max-share"))
            .toList();
    if (rules.isEmpty()) {
      return "";
    }
    return "; to keep the stored lifecycle rules pass "
        + String.join(" ", rules.stream().map(x -> "--" + x.name() + " " + x.stored()).toList());
  }

  /** Every stored setting by its flag name (the CLI's where it has one), in flag order. */
  private static Map<String, String> fields(ModelConfig m, TrainConfig t) {
    Map<String, String> f = new LinkedHashMap<>();
    RouterConfig r = m.router();
    EvoMoeConfig e = r.evo();
    f.put("vocab", str(m.vocabSize()));
    f.put("d", str(m.dModel()));
    f.put("layers", str(m.layers()));
    f.put("heads", str(m.heads()));
    f.put("ctx", str(m.ctx()));
    f.put("ff", str(m.dFf()));
    f.put("router", r.kind().cliName());
    f.put("experts", str(r.experts()));
    f.put("emax", str(r.maxExperts()));
    f.put("top-k", str(r.topK()));
    f.put("top-p", str(r.topP()));
    f.put("null-experts", str(r.nullExperts()));
    f.put("aux", r.auxVariant().name().toLowerCase(java.util.Locale.ROOT));
    f.put("aux-weight", str(r.auxWeight()));
    f.put("entropy-weight", str(r.entropyWeight()));
    f.put("aux-weight-end", str(r.auxWeightEnd()));
    f.put("anneal-steps", str(r.annealSteps()));
    f.put("evo-warmup", str(e.warmupSteps()));
    f.put("evo-evolution", str(e.evolutionSteps()));
    f.put("evo-beta", Arrays.toString(e.betaLow()) + ".." + Arrays.toString(e.betaHigh()));
    f.put("evo-hyper-hidden", str(e.hyperHidden()));
    f.put("evo-rank", str(e.rank()));
    f.put("evo-modalities", str(e.modalities()));
    f.put("evo-paper-freezing", str(e.paperFreezing()));
    f.put("evo-evolve", str(e.evolve()));
    f.put("lr", str(t.learningRate()));
    f.put("beta1", str(t.beta1()));
    f.put("beta2", str(t.beta2()));
    f.put("eps", str(t.eps()));
    f.put("weight-decay", str(t.weightDecay()));
    f.put("grad-clip", str(t.gradClip()));
    f.put("seed", str(t.seed()));
    f.put("window-start", str(t.window().start()));
    f.put("window-length", str(t.window().length()));
    f.put("window-period", str(t.window().period()));
    f.put(
        "spawn-policy",
        t.spawnPolicy().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
    f.put("spawn-min-unrouted", str(t.spawnMinUnrouted()));
    f.put("threshold-lr-scale", str(t.thresholdLrScale()));
    f.put("prune-max-share", str(t.pruneMaxShare()));
    f.put("k-target", str(t.budget().target()));
    // the gain matters only with a target (and is stored as a constant without one)
    f.put("k-target-step", t.budget().enabled() ? str(t.budget().step()) : "-");
    f.put("train-fallback", str(t.budget().fallback()));
    f.put("straight-through-k", str(t.budget().straightThrough()));
    return f;
  }

  private static String str(Object o) {
    return String.valueOf(o);
  }
}
