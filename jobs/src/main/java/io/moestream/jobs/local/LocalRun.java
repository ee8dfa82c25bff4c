package io.moestream.jobs.local;

import ai.djl.Device;
import io.moestream.jobs.cli.InitFromOption;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.data.TextCorpus;
import io.moestream.moe.model.ExpertDispatch;
import io.moestream.moe.serve.Manifest;
import io.moestream.moe.serve.ModelExport;
import io.moestream.moe.tensor.Bf16Kernels;
import io.moestream.moe.tensor.Precision;
import io.moestream.moe.train.MoeTrainer;
import io.moestream.moe.train.Upcycling;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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
 * @param initFrom the model's start: upcycled from this source, or null for the seed's random draw
 * @param exportDir where the trained model is exported at the end ({@link ModelExport}), or null
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
    Upcycling.Source initFrom,
    Path exportDir,
    Precision precision) {

  /** The model id an exported local run carries (a local run trains one unnamed model). */
  public static final String EXPORT_MODEL_ID = "train-local";

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
        null,
        null,
        Precision.FP32);
  }

  /** This run on {@code device} (null: the engine's default). */
  public LocalRun on(Device device) {
    return with(device, dispatch, initFrom, exportDir, precision);
  }

  /** This run with the experts reached by {@code dispatch}. */
  public LocalRun dispatching(ExpertDispatch dispatch) {
    return with(device, dispatch, initFrom, exportDir, precision);
  }

  /** This run's model upcycled from {@code source} (null: from the seed). */
  public LocalRun initialisedFrom(Upcycling.Source source) {
    return with(device, dispatch, source, exportDir, precision);
  }

  /** This run exporting its trained model to {@code dir} at the end (null: no export). */
  public LocalRun exportingTo(Path dir) {
    return with(device, dispatch, initFrom, dir, precision);
  }

  /** This run with its dense matmuls in {@code precision}. */
  public LocalRun computing(Precision precision) {
    return with(device, dispatch, initFrom, exportDir, precision);
  }

  private LocalRun with(
      Device device,
      ExpertDispatch dispatch,
      Upcycling.Source initFrom,
      Path exportDir,
      Precision precision) {
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
        initFrom,
        exportDir,
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
    checkExportDir();
    TextCorpus corpus = corpus(corpusFiles);
    TextCorpus.BatchCursor cursor =
        corpus.cursor(
            batch, model.ctx(), maxTokensPerDomain == null ? Long.MAX_VALUE : maxTokensPerDomain);
    try (MoeTrainer trainer = newTrainer().expertDispatch(dispatch).precision(precision)) {
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
      if (exportDir != null) {
        export(trainer, o.tokens(), out);
      }
      out.flush();
      return o;
    }
  }

  /** From the seed, or upcycled from {@link #initFrom}. */
  private MoeTrainer newTrainer() {
    return initFrom == null
        ? MoeTrainer.create(model, train, device)
        : Upcycling.create(model, train, initFrom, device);
  }

  /**
   * Refuses, before any training, an export directory that is a file or already holds an export: an
   * hour of training must not end in a refusal, nor overwrite a model silently.
   */
  private void checkExportDir() {
    if (exportDir == null) {
      return;
    }
    if (Files.exists(exportDir) && !Files.isDirectory(exportDir)) {
      throw new IllegalArgumentException("--export " + exportDir + " is not a directory");
    }
    if (Files.exists(exportDir.resolve(Manifest.FILE))) {
      throw new IllegalArgumentException(
          "--export " + exportDir + " already holds an exported model; remove it or name another");
    }
  }

  /** The trained model as {@code snapshot export} writes one: what {@code --init-from} reads. */
  private void export(MoeTrainer trainer, long tokens, PrintWriter out) {
    String source =
        initFrom == null ? "train-local" : "train-local, upcycled from " + initFrom.origin();
    try {
      Manifest m =
          ModelExport.write(
              trainer, EXPORT_MODEL_ID, exportDir, source, tokens, false, Instant.now());
      out.println("exported step=" + m.step() + " digest=" + m.digest() + " -> " + exportDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write --export directory " + exportDir, e);
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
    if (initFrom != null) {
      out.println(InitFromOption.describe(initFrom));
    }
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
