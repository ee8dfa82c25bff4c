package io.moestream.jobs.stream;

import io.moestream.jobs.local.SwitchSpawns;
import io.moestream.moe.data.TextCorpus;
import io.moestream.operators.TrainerSettings;
import io.moestream.schemas.ExpertEventKind;
import io.moestream.schemas.ExpertLifecycleEvent;
import io.moestream.schemas.TrainingSummary;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the demo knows from the outside — only the metrics and registry topics, as any consumer
 * would: the live line, per-domain prequential loss (domains mapped to step ranges from the corpus
 * sizes), the spawns near each domain switch (the registry events' steps against those ranges) and
 * the final summary.
 */
final class DemoProgress {
  private final TrainerSettings settings;
  private final List<TextCorpus.Domain> domains;
  private final long[] domainEndStep;
  private final long totalSteps;
  private final List<String> models;
  private final PrintWriter out;
  private final Map<String, TrainingSummary> last = new HashMap<>();
  private final Map<String, List<SwitchSpawns.Spawn>> spawned = new HashMap<>();
  private final double[] lossSum;
  private final long[] lossSteps;
  private long tokens;
  private int spawns;
  private int prunes;

  DemoProgress(
      TrainerSettings settings,
      TextCorpus corpus,
      long maxTokensPerDomain,
      List<String> models,
      PrintWriter out) {
    this.settings = settings;
    this.domains = corpus.domains();
    this.models = models;
    this.out = out;
    this.domainEndStep = new long[domains.size()];
    long cumulative = 0;
    for (int i = 0; i < domains.size(); i++) {
      cumulative += Math.min(domains.get(i).length(), maxTokensPerDomain);
      domainEndStep[i] = cumulative / settings.tokensPerStep();
    }
    this.totalSteps = domainEndStep[domainEndStep.length - 1];
    this.lossSum = new double[domains.size()];
    this.lossSteps = new long[domains.size()];
  }

  void event(ExpertLifecycleEvent e) {
    if (e.getKind() == ExpertEventKind.SPAWNED) {
      spawns++;
      spawned
          .computeIfAbsent(e.getModelId(), m -> new ArrayList<>())
          .add(new SwitchSpawns.Spawn(e.getStep(), e.getLayer(), e.getSlot()));
    } else if (e.getKind() == ExpertEventKind.PRUNED) {
      prunes++;
    }
  }

  void summary(TrainingSummary s) {
    last.put(s.getModelId(), s);
    tokens += s.getTokens();
    int d = domainOf(s.getStep() - 1);
    int steps = settings.summaryEvery();
    lossSum[d] += s.getPrequentialLoss() * steps;
    lossSteps[d] += steps;
  }

  boolean done() {
    if (last.size() < models.size()) {
      return false;
    }
    for (TrainingSummary s : last.values()) {
      if (s.getStep() + settings.summaryEvery() <= totalSteps) {
        return false;
      }
    }
    return true;
  }

  String line() {
    StringBuilder b = new StringBuilder();
    for (String m : models) {
      TrainingSummary s = last.get(m);
      if (s == null) {
        b.append(m).append(": waiting for the first checkpoint  ");
        continue;
      }
      b.append(
          String.format(
              "%s: step %d/%d [%s] loss %.3f  %.0f tok/s  k %s  experts %s  ",
              m,
              s.getStep(),
              totalSteps,
              domains.get(domainOf(s.getStep() - 1)).name(),
              s.getPrequentialLoss(),
              s.getTokensPerSecond(),
              fmt(s.getAvgK()),
              s.getActiveExperts()));
    }
    return b.toString();
  }

  void printSummary() {
    out.println();
    out.println("tokens trained:   " + tokens);
    out.println("spawns / prunes:  " + spawns + " / " + prunes);
    for (String m : models) {
      TrainingSummary s = last.get(m);
      if (s != null) {
        out.println(
            "experts/layer:    " + m + " " + s.getActiveExperts() + " at step " + s.getStep());
      }
    }
    out.println("prequential loss per domain:");
    for (int i = 0; i < domains.size(); i++) {
      out.println(
          String.format(
              "  %-16s %s",
              domains.get(i).name(),
              lossSteps[i] == 0
                  ? "not reached"
                  : String.format("%.4f", lossSum[i] / lossSteps[i])));
    }
    List<SwitchSpawns.Switch> switches = switches();
    for (String m : models) {
      if (models.size() > 1) {
        out.println(m + ":");
      }
      List<SwitchSpawns.Spawn> own = spawned.getOrDefault(m, List.of());
      SwitchSpawns.print(
          out, switches, own, settings.train().window().period(), stepsTrained(m, own));
    }
    out.flush();
  }

  /** The switches the corpus plans: domain i starts where domain i - 1 ends. */
  List<SwitchSpawns.Switch> switches() {
    List<SwitchSpawns.Switch> switches = new ArrayList<>();
    for (int i = 1; i < domains.size(); i++) {
      switches.add(
          new SwitchSpawns.Switch(
              domains.get(i - 1).name(), domains.get(i).name(), domainEndStep[i - 1]));
    }
    return switches;
  }

  /**
   * Steps model {@code m} trained as far as the topics show: the last summary's, or past the last
   * spawn when the job stopped between two summaries.
   */
  private long stepsTrained(String m, List<SwitchSpawns.Spawn> own) {
    TrainingSummary s = last.get(m);
    long steps = s == null ? 0 : s.getStep();
    for (SwitchSpawns.Spawn p : own) {
      steps = Math.max(steps, p.step() + 1);
    }
    return steps;
  }

  private int domainOf(long step) {
    for (int i = 0; i < domainEndStep.length; i++) {
      if (step < domainEndStep[i]) {
        return i;
      }
    }
    return domainEndStep.length - 1;
  }

  private static String fmt(List<Double> k) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < k.size(); i++) {
      b.append(i == 0 ? "" : ", ").append(String.format("%.2f", k.get(i)));
    }
    return b.append(']').toString();
  }
}
