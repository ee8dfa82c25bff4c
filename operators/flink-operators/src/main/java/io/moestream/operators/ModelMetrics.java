package io.moestream.operators;

import io.moestream.moe.lifecycle.ChangeKind;
import io.moestream.moe.lifecycle.ExpertChange;
import io.moestream.moe.train.StepResult;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/**
 * Flink metrics of one model, under the operator's group {@code model.<id>}: what a dashboard plots
 * — prequential loss, tokens/s, average k and active experts per layer, spawns, prunes, skipped
 * (non-finite) steps, and DynMoE spawns refused because every slot was active ({@code
 * spawnsRefusedNoSlot}) or because the new gate column was not finite ({@code
 * spawnsRefusedNonFinite}).
 */
final class ModelMetrics {
  private final Counter steps;
  private final Counter tokens;
  private final Counter spawns;
  private final Counter prunes;
  private final Counter skipped;
  private final Counter refusedNoSlot;
  private final Counter refusedNonFinite;
  private volatile double loss = Double.NaN;
  private volatile double tokensPerSecond;
  private volatile double[] avgK = new double[0];
  private volatile int[] active = new int[0];

  ModelMetrics(MetricGroup operatorGroup, String modelId, int layers) {
    MetricGroup g = operatorGroup.addGroup("model", modelId);
    steps = g.counter("steps");
    tokens = g.counter("tokens");
    spawns = g.counter("spawns");
    prunes = g.counter("prunes");
    skipped = g.counter("skippedSteps");
    refusedNoSlot = g.counter("spawnsRefusedNoSlot");
    refusedNonFinite = g.counter("spawnsRefusedNonFinite");
    g.gauge("prequentialLoss", (Gauge<Double>) () -> loss);
    g.gauge("tokensPerSecond", (Gauge<Double>) () -> tokensPerSecond);
    for (int l = 0; l < layers; l++) {
      final int layer = l;
      MetricGroup lg = g.addGroup("layer", Integer.toString(l));
      lg.gauge("avgK", (Gauge<Double>) () -> layer < avgK.length ? avgK[layer] : Double.NaN);
      lg.gauge("activeExperts", (Gauge<Integer>) () -> layer < active.length ? active[layer] : 0);
    }
  }

  void record(StepResult r) {
    steps.inc();
    tokens.inc(r.tokens());
    if (r.skipped()) {
      skipped.inc();
    }
    loss = r.prequentialLoss();
    tokensPerSecond = r.tokensPerSecond();
    avgK = r.avgK();
    active = r.activeExperts();
    refusedNoSlot.inc(r.spawnsRefusedNoSlot());
    refusedNonFinite.inc(r.spawnsRefusedNonFinite());
    for (ExpertChange c : r.changes()) {
      if (c.kind() == ChangeKind.SPAWNED) {
        spawns.inc();
      } else if (c.kind() == ChangeKind.PRUNED) {
        prunes.inc();
      }
    }
  }
}
