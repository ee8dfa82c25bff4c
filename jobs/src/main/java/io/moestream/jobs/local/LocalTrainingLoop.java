package io.moestream.jobs.local;

import io.moestream.moe.config.ModalityMap;
import io.moestream.moe.data.TextCorpus;
import io.moestream.moe.lifecycle.ChangeKind;
import io.moestream.moe.lifecycle.ExpertChange;
import io.moestream.moe.train.MoeTrainer;
import io.moestream.moe.train.StepResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains one {@link MoeTrainer} on a corpus, domain after domain, until a step limit, a time limit
 * or the end of the corpus. {@code train-local} and {@code demo} differ only in their limits and in
 * what they print, so the loop and its bookkeeping live here once and the printing goes through a
 * {@link Listener}.
 */
final class LocalTrainingLoop {
  /** Domain to DTR modality (EvoMoE): source code 1, everything else the shared default 0. */
  private static final ModalityMap MODALITIES = ModalityMap.textAndCode();

  /** Why a run stopped. */
  enum Stop {
    STEPS,
    DURATION,
    CORPUS_END
  }

  /** Sees every step and every lifecycle change as it happens; called on the training thread. */
  interface Listener {
    void onStep(StepRecord record);

    default void onChange(ExpertChange change) {}
  }

  /**
   * One step in its context.
   *
   * @param result what the trainer reported
   * @param domain the name of the domain the batch came from
   * @param domainStart true for the first batch of a domain: a drift step
   * @param recentLoss prequential loss averaged over the last 20 steps
   */
  record StepRecord(StepResult result, String domain, boolean domainStart, double recentLoss) {}

  /**
   * A finished run.
   *
   * @param stop why it stopped
   * @param steps steps trained
   * @param tokens tokens trained on
   * @param trainNanos time inside {@link MoeTrainer#train}
   * @param domains per-domain losses, in the order they were served
   * @param spawns experts spawned
   * @param prunes experts pruned
   * @param spawned every spawn, in order: the steps the switch summary attributes to switches
   * @param activeExperts active experts per layer at the end
   */
  record Outcome(
      Stop stop,
      long steps,
      long tokens,
      long trainNanos,
      List<DomainStats> domains,
      int spawns,
      int prunes,
      int[] activeExperts,
      List<SwitchSpawns.Spawn> spawned) {
    double tokensPerSecond() {
      return trainNanos == 0 ? 0 : tokens * 1e9 / trainNanos;
    }
  }

  private final MoeTrainer trainer;
  private final List<Listener> listeners;

  LocalTrainingLoop(MoeTrainer trainer, List<Listener> listeners) {
    this.trainer = trainer;
    this.listeners = List.copyOf(listeners);
  }

  /**
   * Runs until {@code maxSteps} steps, {@code maxNanos} of wall time (checked before each step) or
   * the end of {@code cursor}, whichever comes first.
   */
  Outcome run(TextCorpus.BatchCursor cursor, long maxSteps, long maxNanos) {
    Map<String, DomainStats> domains = new LinkedHashMap<>();
    RecentMean recent = new RecentMean(20);
    long started = System.nanoTime();
    long steps = 0;
    long tokens = 0;
    long trainNanos = 0;
    int spawns = 0;
    int prunes = 0;
    List<SwitchSpawns.Spawn> spawned = new ArrayList<>();
    Stop stop = Stop.STEPS;
    while (steps < maxSteps) {
      if (System.nanoTime() - started >= maxNanos) {
        stop = Stop.DURATION;
        break;
      }
      if (!cursor.hasNext()) {
        stop = Stop.CORPUS_END;
        break;
      }
      int[][] batch = cursor.next();
      String domain = cursor.domainName();
      int[] modality = new int[batch.length]; // the DTR router's modality of the batch's domain
      java.util.Arrays.fill(modality, MODALITIES.of(domain));
      StepResult r = trainer.train(batch, modality);
      steps++;
      tokens += r.tokens();
      trainNanos += r.nanos();
      recent.add(r.prequentialLoss());
      domains.computeIfAbsent(domain, DomainStats::new).add(r.prequentialLoss(), r.tokens());
      StepRecord record = new StepRecord(r, domain, cursor.atDomainStart(), recent.mean());
      for (Listener l : listeners) {
        l.onStep(record);
      }
      for (ExpertChange c : r.changes()) {
        if (c.kind() == ChangeKind.SPAWNED) {
          spawns++;
          spawned.add(new SwitchSpawns.Spawn(c.step(), c.layer(), c.slot()));
        } else if (c.kind() == ChangeKind.PRUNED) {
          prunes++;
        }
        for (Listener l : listeners) {
          l.onChange(c);
        }
      }
    }
    return new Outcome(
        stop,
        steps,
        tokens,
        trainNanos,
        new ArrayList<>(domains.values()),
        spawns,
        prunes,
        trainer.activeCounts(),
        List.copyOf(spawned));
  }
}
