package io.moestream.jobs.local;

import ai.djl.Device;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.data.TextCorpus;
import io.moestream.moe.model.ExpertDispatch;
import io.moestream.moe.tensor.Bf16Kernels;
import io.moestream.moe.tensor.Precision;
import io.moestream.moe.train.MoeTrainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One local training run from flags to summary: load the corpus, build the trainer, wire the
 * console and JSON listeners around {@link LocalTrainingLoop}, and report. {@code train-local} and
 * {@code demo} are this with different limits, so neither repeats the wiring.
 *
 * @param model the model to build
 * @param train optimizer and lifecycle settings
 * @param batch sequences per step
 * @param corpusFiles one domain per file, in order; empty for the bundled corpus
 * @param maxTokensPerDomain tokens of each domain to use, or null for all
 * @param maxSteps step limit
 * @param maxNanos wall-time limit ({@code Long.MAX_VALUE} for none)
 * @param progressBar whether to draw the progress bar
 * @param jsonFile per-step JSON Lines output, or null
 * @param task the progress bar's label
 * @param device where the model trains; null for the engine's default (a GPU when DJL sees one)
 * @param dispatch how each layer's tokens reach its experts
 * @param precision of the model's dense matmuls ({@code --precision})
 */
public record LocalRun(
    ModelConfig model,
    TrainConfig train,
    int batch,
    List<Path> corpusFiles,
    Long maxTokensPerDomain,
    long maxSteps,
    long maxNanos,
    boolean progressBar,
    Path jsonFile,
    String task,
    Device device,
    ExpertDispatch dispatch,
    Precision precision) {

  /**
   * A run on the engine's default device ({@code --device auto}) with the default {@link
   * ExpertDispatch#PER_EXPERT} dispatch in fp32; {@link #on}, {@link #dispatching} and {@link
   * #computing} choose otherwise.
   */
  public LocalRun(
      ModelConfig model,
      TrainConfig train,
      int batch,
      List<Path> corpusFiles,
      Long maxTokensPerDomain,
      long maxSteps,
      long maxNanos,
      boolean progressBar,
      Path jsonFile,
      String task) {
    this(
        model,
        train,
        batch,
        corpusFiles,
        maxTokensPerDomain,
        maxSteps,
        maxNanos,
        progressBar,
        jsonFile,
        task,
        null,
        ExpertDispatch.PER_EXPERT,
        Precision.FP32);
  }

  /** This run on {@code device} (null: the engine's default). */
  public LocalRun on(Device device) {
    return with(device, dispatch, precision);
  }

  /** This run with the experts reached by {@code dispatch}. */
  public LocalRun dispatching(ExpertDispatch dispatch) {
    return with(device, dispatch, precision);
  }

  /** This run with its dense matmuls in {@code precision}. */
  public LocalRun computing(Precision precision) {
    return with(device, dispatch, precision);
  }

  private LocalRun with(Device device, ExpertDispatch dispatch, Precision precision) {
    return new LocalRun(
        model,
        train,
        batch,
        corpusFiles,
        maxTokensPerDomain,
        maxSteps,
        maxNanos,
        progressBar,
        jsonFile,
        task,
        device,
        dispatch,
        precision);
  }

  /** The bundled corpus when no file is given; otherwise one domain per file, in order. */
  static TextCorpus corpus(List<Path> files) {
    return files == null || files.isEmpty() ? TextCorpus.bundled() : TextCorpus.load(files);
  }

  public LocalTrainingLoop.Outcome execute(PrintWriter out) {
    if (maxSteps < 1) {
      throw new IllegalArgumentException("--steps must be >= 1, got " + maxSteps);
    }
    if (maxTokensPerDomain != null && maxTokensPerDomain < 1) {
      throw new IllegalArgumentException(
          "--max-tokens-per-domain must be >= 1, got " + maxTokensPerDomain);
    }
    TextCorpus corpus = corpus(corpusFiles);
    TextCorpus.BatchCursor cursor =
        corpus.cursor(
            batch, model.ctx(), maxTokensPerDomain == null ? Long.MAX_VALUE : maxTokensPerDomain);
    try (MoeTrainer trainer =
        MoeTrainer.create(model, train, device).expertDispatch(dispatch).precision(precision)) {
      header(out, corpus, cursor, trainer);
      long barMax = Math.min(maxSteps, cursor.totalBatches());
      List<LocalTrainingLoop.Listener> listeners = new ArrayList<>();
      StepJsonWriter json = jsonFile == null ? null : new StepJsonWriter(jsonFile);
      LocalTrainingLoop.Outcome o;
      try (ProgressView view = new ProgressView(out, progressBar, task, barMax)) {
        listeners.add(view);
        if (json != null) {
          listeners.add(json);
        }
        o = new LocalTrainingLoop(trainer, listeners).run(cursor, maxSteps, maxNanos);
      } finally {
        if (json != null) {
          json.close();
        }
      }
      switch (o.stop()) {
        case CORPUS_END ->
            out.println(
                maxSteps == Long.MAX_VALUE
                    ? "every domain served after " + o.steps() + " steps; stopping"
                    : "corpus exhausted after "
                        + o.steps()
                        + " of "
                        + maxSteps
                        + " steps; stopping");
        case DURATION ->
            out.printf(
                Locale.ROOT, "time limit of %d s reached; stopping%n", maxNanos / 1_000_000_000L);
        case STEPS -> {}
      }
      List<String> names = new ArrayList<>();
      List<SwitchSpawns.Switch> switches = new ArrayList<>();
      long first = 0;
      for (int d = 0; d < corpus.domains().size(); d++) {
        names.add(corpus.domains().get(d).name());
        if (d > 0) {
          switches.add(new SwitchSpawns.Switch(names.get(d - 1), names.get(d), first));
        }
        first += cursor.batchesInDomain(d);
      }
      RunSummary.print(out, o, trainer.digest(), names, switches, train.window().period());
      if (jsonFile != null) {
        out.println("per-step records:  " + jsonFile);
      }
      out.flush();
      return o;
    }
  }

  private void header(
      PrintWriter out, TextCorpus corpus, TextCorpus.BatchCursor cursor, MoeTrainer trainer) {
    var r = model.router();
    out.printf(
        Locale.ROOT,
        "model: d=%d layers=%d heads=%d ctx=%d ff=%d router=%s experts=%d/%d params=%d%n",
        model.dModel(),
        model.layers(),
        model.heads(),
        model.ctx(),
        model.dFf(),
        r.kind().cliName(),
        r.experts(),
        r.maxExperts(),
        trainer.parameterCount());
    List<String> names = new ArrayList<>();
    corpus.domains().forEach(d -> names.add(d.name()));
    out.printf(
        Locale.ROOT,
        "corpus: %s (%d batches of %dx%d)%n",
        String.join(", ", names),
        cursor.totalBatches(),
        batch,
        model.ctx() + 1);
    if (precision != Precision.FP32) { // fp32 runs print what they always printed
      out.printf(
          Locale.ROOT, "precision: %s, %s%n", precision.cliName(), Bf16Kernels.status().describe());
    }
    out.flush();
  }
}
