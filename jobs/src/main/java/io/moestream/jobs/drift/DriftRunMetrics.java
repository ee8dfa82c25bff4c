package io.moestream.jobs.drift;

import io.moestream.jobs.local.FlopCounter;
import io.moestream.moe.lifecycle.ChangeKind;
import io.moestream.moe.lifecycle.ExpertChange;

/**
 * The headline numbers of one run, derived from its {@link DriftRun} by {@link DriftMetrics}: one
 * place turns step series into the values the CSV, the report and the verdict all quote.
 *
 * @param overallLoss mean prequential loss over the whole stream
 * @param domainLoss per domain, mean prequential loss
 * @param recovery per switch (domain 1, 2, ...), steps to recover, or {@link DriftMetrics#NEVER}
 * @param flopsPerToken expert FLOPs per token, counted: pairs / tokens × FLOPs of one expert
 * @param totalFlopsPerToken model training FLOPs per token, attention and output head included
 *     ({@link FlopCounter#trainPerToken} with the counted pairs)
 * @param domainFlopsPerToken the same per domain
 * @param avgK per layer, mean experts per token over the stream
 * @param domainAvgK per domain, mean experts per token over steps and layers
 * @param meanActive per layer, mean active experts over the stream
 * @param finalActive per layer, active experts at the end
 * @param spawns experts spawned (all layers)
 * @param prunes experts pruned (all layers)
 * @param spawnDelay per switch, steps to the first spawn in that domain, or {@link
 *     DriftMetrics#NEVER}
 * @param spawnNear per switch, whether a spawn fell within two recording periods of it
 * @param spawnChance the chance of that for a switch at a random step ({@link
 *     DriftMetrics#spawnChance})
 * @param forgettingAfter entry i: {@link DriftMetrics#forgettingAfter} domain i + 1, the forgetting
 *     of domains 0..i once domain i + 1 has been trained on; the last entry is the run's forgetting
 * @param wallSeconds wall time of the run
 * @param tokensPerSecond training throughput
 * @param cpuSeconds CPU time of the run's thread
 * @param uniformity per layer, the final mean pairwise cosine of expert parameter vectors (NaN with
 *     one expert)
 */
record DriftRunMetrics(
    double overallLoss,
    double[] domainLoss,
    int[] recovery,
    double flopsPerToken,
    double totalFlopsPerToken,
    double[] domainFlopsPerToken,
    double[] avgK,
    double[] domainAvgK,
    double[] meanActive,
    int[] finalActive,
    int spawns,
    int prunes,
    int[] spawnDelay,
    boolean[] spawnNear,
    double spawnChance,
    double[] forgettingAfter,
    double wallSeconds,
    double tokensPerSecond,
    double cpuSeconds,
    double[] uniformity) {

  static DriftRunMetrics of(DriftRun run, long windowPeriod) {
    int domains = run.domainNames().size();
    double[] domainLoss = new double[domains];
    double[] domainFlops = new double[domains];
    double[] domainK = new double[domains];
    for (int d = 0; d < domains; d++) {
      int[] r = run.domainRange(d);
      domainLoss[d] = DriftMetrics.mean(run.loss(), r[0], r[1]);
      domainFlops[d] = flopsPerToken(run, r[0], r[1]);
      double[] perStep = new double[r[1] - r[0]];
      for (int i = r[0]; i < r[1]; i++) {
        perStep[i - r[0]] = DriftMetrics.mean(run.avgK()[i]);
      }
      domainK[d] = DriftMetrics.mean(perStep);
    }
    int[] switches = run.switchSteps();
    int[] recovery = new int[switches.length];
    int[] spawnDelay = new int[switches.length];
    long[] spawnSteps =
        run.changes().stream()
            .filter(c -> c.kind() == ChangeKind.SPAWNED)
            .mapToLong(ExpertChange::step)
            .toArray();
    for (int i = 0; i < switches.length; i++) {
      int end = i + 1 < switches.length ? switches[i + 1] : run.steps();
      recovery[i] = DriftMetrics.recoverySteps(run.loss(), switches[i], end);
      spawnDelay[i] = DriftMetrics.firstEventDelay(spawnSteps, switches[i], end);
    }
    long span = 2 * windowPeriod;
    boolean[] near = DriftMetrics.spawnNear(spawnSteps, switches, run.steps(), span);
    double chance = DriftMetrics.spawnChance(spawnSteps, run.steps(), span);
    double[] forgetting = new double[switches.length];
    for (int i = 0; i < forgetting.length; i++) {
      forgetting[i] = DriftMetrics.forgettingAfter(run.heldOut(), i + 1);
    }
    int layers = run.layers();
    double[] avgK = new double[layers];
    double[] meanActive = new double[layers];
    int[] finalActive = new int[layers];
    for (int l = 0; l < layers; l++) {
      avgK[l] = DriftMetrics.mean(run.layerSeries(l, false));
      meanActive[l] = DriftMetrics.mean(run.layerSeries(l, true));
      finalActive[l] = run.steps() == 0 ? 0 : run.active()[run.steps() - 1][l];
    }
    return new DriftRunMetrics(
        DriftMetrics.mean(run.loss()),
        domainLoss,
        recovery,
        flopsPerToken(run, 0, run.steps()),
        totalFlopsPerToken(run),
        domainFlops,
        avgK,
        domainK,
        meanActive,
        finalActive,
        spawnSteps.length,
        (int) run.changes().stream().filter(c -> c.kind() == ChangeKind.PRUNED).count(),
        spawnDelay,
        near,
        chance,
        forgetting,
        run.wallNanos() / 1e9,
        run.tokensPerSecond(),
        run.cpuNanos() / 1e9,
        run.uniformity().clone());
  }

  /** Mean over layers of {@link #uniformity}; NaN when no layer has two experts. */
  double meanUniformity() {
    return DriftMetrics.mean(uniformity);
  }

  /** The run's forgetting: {@link #forgettingAfter}'s last entry (NaN with one domain). */
  double forgetting() {
    return forgettingAfter.length == 0 ? Double.NaN : forgettingAfter[forgettingAfter.length - 1];
  }

  /** Switches with a spawn within two recording periods. */
  int spawnsNearSwitches() {
    int n = 0;
    for (boolean b : spawnNear) {
      n += b ? 1 : 0;
    }
    return n;
  }

  private static double totalFlopsPerToken(DriftRun run) {
    long pairs = 0;
    long tokens = run.totalTokens();
    for (long p : run.expertPairs()) {
      pairs += p;
    }
    return FlopCounter.trainPerToken(run.model(), tokens == 0 ? 0 : (double) pairs / tokens);
  }

  /** Counted expert FLOPs per token over steps {@code [from, to)}. */
  private static double flopsPerToken(DriftRun run, int from, int to) {
    long pairs = 0;
    long tokens = 0;
    for (int i = from; i < to; i++) {
      pairs += run.expertPairs()[i];
      tokens += run.tokens()[i];
    }
    return tokens == 0 ? Double.NaN : (double) pairs / tokens * run.model().expertFlopsPerToken();
  }
}
