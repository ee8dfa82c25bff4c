package io.moestream.jobs.drift;

import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.data.TextCorpus;
import io.moestream.moe.lifecycle.ExpertChange;
import io.moestream.moe.train.GateView;
import io.moestream.moe.train.MoeTrainer;
import io.moestream.moe.train.StepResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Trains one configuration from one seed over the whole drifting stream and keeps every step's
 * numbers. Each run gets a fresh cursor over the same corpus, so every contender sees exactly the
 * same batches in the same order; the loss recorded is {@link StepResult#prequentialLoss()}, the
 * batch scored before the model trained on it, which is what makes a single pass over a stream a
 * fair test set.
 */
final class DriftRunner {
  private final DriftSettings settings;
  private final TextCorpus corpus;

  DriftRunner(DriftSettings settings, TextCorpus corpus) {
    this.settings = settings;
    this.corpus = corpus;
  }

  /** Steps in the stream: the same for every configuration. */
  long steps() {
    return corpus
        .cursor(settings.batch(), settings.ctx(), settings.tokensPerDomain())
        .totalBatches();
  }

  List<String> domainNames() {
    return corpus.domains().stream().map(TextCorpus.Domain::name).toList();
  }

  DriftRun run(DriftConfig config, long seed) {
    long started = System.nanoTime();
    ModelConfig model = settings.model(config);
    TextCorpus.BatchCursor cursor =
        corpus.cursor(settings.batch(), settings.ctx(), settings.tokensPerDomain());
    int n = Math.toIntExact(cursor.totalBatches());
    double[] loss = new double[n];
    int[] domain = new int[n];
    int[] tokens = new int[n];
    long[] pairs = new long[n];
    double[][] avgK = new double[n][];
    int[][] active = new int[n][];
    long[][][] expertTokens = new long[n][][];
    List<ExpertChange> changes = new ArrayList<>();
    List<GateView> gates = new ArrayList<>();
    long trainNanos = 0;
    double[] uniformity;
    try (MoeTrainer trainer = MoeTrainer.create(model, settings.train(config, seed))) {
      for (int i = 0; i < n; i++) {
        int[][] batch = cursor.next();
        int[] modality = new int[batch.length]; // every row of a batch comes from one domain
        Arrays.fill(modality, settings.modalities().of(cursor.domainName()));
        StepResult r = trainer.train(batch, modality);
        loss[i] = r.prequentialLoss();
        domain[i] = cursor.domainIndex();
        tokens[i] = r.tokens();
        pairs[i] = r.expertPairs();
        avgK[i] = r.avgK();
        active[i] = r.activeExperts();
        expertTokens[i] = r.expertTokens();
        changes.addAll(r.changes());
        trainNanos += r.nanos();
      }
      if (config.isDynMoe()) {
        for (int l = 0; l < model.layers(); l++) {
          gates.add(trainer.gate(l));
        }
      }
      uniformity = trainer.expertUniformity();
    }
    return new DriftRun(
        config.name(),
        seed,
        model,
        domainNames(),
        loss,
        domain,
        tokens,
        pairs,
        avgK,
        active,
        expertTokens,
        List.copyOf(changes),
        List.copyOf(gates),
        uniformity,
        System.nanoTime() - started,
        trainNanos);
  }
}
