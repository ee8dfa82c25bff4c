package io.moestream.jobs.drift;

import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.lifecycle.ExpertChange;
import io.moestream.moe.train.EvalResult;
import io.moestream.moe.train.GateView;
import io.moestream.moe.train.MoeTrainer;
import io.moestream.moe.train.StepResult;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Trains one configuration from one seed over the whole drifting stream and keeps every step's
 * numbers. Each run gets a fresh cursor over the same stream, so every contender sees exactly the
 * same batches in the same order; the loss recorded is {@link StepResult#prequentialLoss()}, the
 * batch scored before the model trained on it, which is what makes a single pass over a stream a
 * fair test set. After the last batch of each domain the run also scores the held-out slice of that
 * domain and of every earlier one (inference mode, the model unchanged): the forgetting matrix.
 */
final class DriftRunner {
  private final DriftSettings settings;
  private final DriftSlices slices;
  private final List<List<int[][]>> heldOut;

  DriftRunner(DriftSettings settings, DriftSlices slices) {
    this.settings = settings;
    this.slices = slices;
    this.heldOut = slices.heldOutBatches(settings.batch(), settings.ctx());
  }

  /** Steps in the stream: the same for every configuration. */
  long steps() {
    return cursor().totalBatches();
  }

  List<String> domainNames() {
    return slices.stream().domains().stream().map(d -> d.name()).toList();
  }

  private io.moestream.moe.data.TextCorpus.BatchCursor cursor() {
    return slices.stream().cursor(settings.batch(), settings.ctx());
  }

  DriftRun run(DriftPreset preset, DriftConfig config, long seed, DriftStart start)
      throws IOException {
    long started = System.nanoTime();
    long cpuStarted = cpuNanos();
    ModelConfig model = settings.model(config);
    var cursor = cursor();
    int n = Math.toIntExact(cursor.totalBatches());
    int domains = domainNames().size();
    int[] lastStepOf = new int[domains];
    long end = 0;
    for (int d = 0; d < domains; d++) {
      end += cursor.batchesInDomain(d);
      lastStepOf[d] = Math.toIntExact(end - 1);
    }
    double[] loss = new double[n];
    int[] domain = new int[n];
    int[] tokens = new int[n];
    long[] pairs = new long[n];
    double[][] avgK = new double[n][];
    int[][] active = new int[n][];
    long[][][] expertTokens = new long[n][][];
    double[][] held = new double[domains][domains];
    for (double[] row : held) {
      Arrays.fill(row, Double.NaN);
    }
    List<ExpertChange> changes = new ArrayList<>();
    List<GateView> gates = new ArrayList<>();
    long trainNanos = 0;
    double[] uniformity;
    try (MoeTrainer trainer = start.trainer(model, settings.train(config, seed))) {
      for (int i = 0; i < n; i++) {
        int[][] batch = cursor.next();
        StepResult r = trainer.train(batch, modality(batch.length, cursor.domainName()));
        loss[i] = r.prequentialLoss();
        domain[i] = cursor.domainIndex();
        tokens[i] = r.tokens();
        pairs[i] = r.expertPairs();
        avgK[i] = r.avgK();
        active[i] = r.activeExperts();
        expertTokens[i] = r.expertTokens();
        changes.addAll(r.changes());
        trainNanos += r.nanos();
        if (i == lastStepOf[domain[i]]) {
          for (int j = 0; j <= domain[i]; j++) {
            held[domain[i]][j] = score(trainer, j);
          }
        }
      }
      if (config.isDynMoe()) {
        for (int l = 0; l < model.layers(); l++) {
          gates.add(trainer.gate(l));
        }
      }
      uniformity = trainer.expertUniformity();
    }
    return new DriftRun(
        preset,
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
        held,
        List.copyOf(changes),
        List.copyOf(gates),
        uniformity,
        System.nanoTime() - started,
        trainNanos,
        cpuNanos() - cpuStarted);
  }

  /** CPU time of the calling thread, or 0 where the JVM cannot measure it. */
  static long cpuNanos() {
    ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    return bean.isCurrentThreadCpuTimeSupported() ? bean.getCurrentThreadCpuTime() : 0;
  }

  /** Every row of a batch comes from one domain: its DTR modality id, for EvoMoE. */
  private int[] modality(int rows, String domainName) {
    int[] m = new int[rows];
    Arrays.fill(m, settings.modalities().of(domainName));
    return m;
  }

  /** Mean held-out loss of domain {@code d} (every batch has the same number of tokens). */
  private double score(MoeTrainer trainer, int d) {
    String name = domainNames().get(d);
    double sum = 0;
    int count = 0;
    for (int[][] b : heldOut.get(d)) {
      EvalResult r = trainer.evaluate(b, modality(b.length, name));
      if (Double.isFinite(r.loss())) {
        sum += r.loss();
        count++;
      }
    }
    return count == 0 ? Double.NaN : sum / count;
  }
}
