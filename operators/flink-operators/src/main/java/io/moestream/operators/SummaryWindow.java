package io.moestream.operators;

import io.moestream.moe.lifecycle.ChangeKind;
import io.moestream.moe.lifecycle.ExpertChange;
import io.moestream.moe.train.StepResult;
import io.moestream.schemas.TrainingSummary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Accumulates step results between two summaries. Summaries fall on the same steps (multiples of
 * the interval) with or without a restore, but they are metrics: the window in progress at a
 * checkpoint is not saved, so the first summary after a restore averages only the steps since the
 * restore (its {@code tokens} says how many). The model and the lifecycle events stay exactly-once.
 */
final class SummaryWindow {
  private int steps;
  private long tokens;
  private long nanos;
  private double lossSum;
  private double[] kSum;
  private int[] active;
  private long skipped;
  private long spawns;
  private long prunes;
  private long refusedNoSlot;
  private long refusedNonFinite;

  void add(StepResult r) {
    steps++;
    tokens += r.tokens();
    nanos += r.nanos();
    lossSum += r.prequentialLoss();
    double[] k = r.avgK();
    if (kSum == null) {
      kSum = new double[k.length];
    }
    for (int i = 0; i < k.length; i++) {
      kSum[i] += k[i];
    }
    active = r.activeExperts();
    skipped += r.skipped() ? 1 : 0;
    refusedNoSlot += r.spawnsRefusedNoSlot();
    refusedNonFinite += r.spawnsRefusedNonFinite();
    for (ExpertChange c : r.changes()) {
      if (c.kind() == ChangeKind.SPAWNED) {
        spawns++;
      } else if (c.kind() == ChangeKind.PRUNED) {
        prunes++;
      }
    }
  }

  int steps() {
    return steps;
  }

  /** Builds the summary and starts a new window. */
  TrainingSummary emit(String modelId, long step, long eventTimeMillis) {
    List<Double> k = new ArrayList<>();
    for (double v : kSum) {
      k.add(v / steps);
    }
    List<Integer> a = new ArrayList<>();
    for (int v : active) {
      a.add(v);
    }
    TrainingSummary s =
        TrainingSummary.newBuilder()
            .setModelId(modelId)
            .setStep(step)
            .setEventTime(Instant.ofEpochMilli(eventTimeMillis))
            .setPrequentialLoss(lossSum / steps)
            .setTokens(tokens)
            .setTokensPerSecond(nanos == 0 ? 0 : tokens * 1e9 / nanos)
            .setAvgK(k)
            .setActiveExperts(a)
            .setSkippedSteps(skipped)
            .setSpawns(spawns)
            .setPrunes(prunes)
            .setSpawnsRefusedNoSlot(refusedNoSlot)
            .setSpawnsRefusedNonFinite(refusedNonFinite)
            .build();
    steps = 0;
    tokens = 0;
    nanos = 0;
    lossSum = 0;
    kSum = null;
    skipped = 0;
    spawns = 0;
    prunes = 0;
    refusedNoSlot = 0;
    refusedNonFinite = 0;
    return s;
  }
}
