package io.moestream.jobs.stream;

import io.moestream.moe.data.TextCorpus;
import io.moestream.operators.TrainerSettings;
import io.moestream.schemas.ExpertEventKind;
import io.moestream.schemas.ExpertLifecycleEvent;
import io.moestream.schemas.TrainingSummary;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the demo knows from the outside — only the metrics and registry topics, as any consumer
 * would: the live line, per-domain prequential loss (domains mapped to step ranges from the corpus
 * sizes) and the final summary.
 */
final class DemoProgress {
  private final TrainerSettings settings;
  private final List<TextCorpus.Domain> domains;
  private final long[] domainEndStep;
  private final long totalSteps;
  private final List<String> models;
  private final PrintWriter out;
  private final Map<String, TrainingSummary> last = new HashMap<>();
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
    out.flush();
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
