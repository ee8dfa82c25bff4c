package io.moestream.jobs;

import io.moestream.moe.data.TextCorpus;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The product's headline benchmark: does DynMoE, with nothing tuned but E_init and E_max, match a
 * tuned top-k (E, k) grid on a stream that drifts domain by domain, at less compute? Every
 * configuration trains from the same seeds on the same batches and is scored prequentially; the
 * report answers the question with numbers and plots. This class only sequences the runs and shows
 * progress; see {@link DriftOptions} for the flags and {@link DriftReport} for the output.
 */
@Command(
    name = "drift",
    mixinStandardHelpOptions = true,
    description = {
      "Continual-learning benchmark: DynMoE vs a top-k grid, top-p, null experts, dense and EvoMoE"
          + " on a stream that switches domain; writes report.md, results.csv/json and PNG plots.",
      "The original 13 configurations x 3 seeds (1,536 steps each) took 37 minutes on 2 shared"
          + " CPU cores; the 5 EvoMoE-related ones add about 10; --quick checks the pipeline in"
          + " seconds."
    })
final class BenchDriftCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin DriftOptions options;

  @Override
  public Integer call() throws Exception {
    System.setProperty("java.awt.headless", "true");
    options.applyQuick(spec.commandLine().getParseResult());
    DriftSettings settings = options.settings();
    List<DriftConfig> chosen = options.configs();
    for (DriftConfig c : chosen) {
      settings.model(c); // fail on a bad shape before minutes of training, not after
    }
    TextCorpus corpus = options.corpus();
    Path dir = options.outDir();
    DriftRunner runner = new DriftRunner(settings, corpus);
    PrintWriter err = spec.commandLine().getErr();
    int total = chosen.size() * settings.seeds().size();
    err.printf(
        "bench drift: %d configurations x %d seeds, %d steps each (%s), report in %s%n",
        chosen.size(),
        settings.seeds().size(),
        runner.steps(),
        String.join(" > ", runner.domainNames()),
        dir);
    err.flush();
    long started = System.nanoTime();
    List<DriftSummary> summaries = new ArrayList<>();
    int done = 0;
    try (TorchThreads t = TorchThreads.use(options.threads)) {
      for (DriftConfig c : chosen) {
        List<DriftRun> runs = new ArrayList<>();
        for (long seed : settings.seeds()) {
          DriftRun run = runner.run(c, seed);
          runs.add(run);
          progress(err, ++done, total, run, started);
        }
        summaries.add(DriftSummary.of(c, runs));
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    Path report = DriftReport.write(dir, settings, summaries, seconds);
    err.printf("bench drift: done in %s min%n", Format.fixed(seconds / 60, 1));
    err.flush();
    spec.commandLine().getOut().println(report.toAbsolutePath());
    spec.commandLine().getOut().flush();
    return 0;
  }

  /** One line per finished run, so a half-hour benchmark is never silent. */
  private static void progress(PrintWriter err, int done, int total, DriftRun run, long started) {
    DriftRunMetrics m = DriftRunMetrics.of(run);
    double elapsed = (System.nanoTime() - started) / 1e9;
    double eta = elapsed / done * (total - done);
    err.printf(
        "[%d/%d] %s seed %d: loss %s (per domain %s), %s tok/s, %s s, spawns %d, prunes %d;"
            + " ETA %s min%n",
        done,
        total,
        run.config(),
        run.seed(),
        Format.fixed(m.overallLoss(), 4),
        Format.doubles(m.domainLoss(), " ", 3),
        Format.fixed(m.tokensPerSecond(), 0),
        Format.fixed(m.wallSeconds(), 1),
        m.spawns(),
        m.prunes(),
        Format.fixed(eta / 60, 1));
    err.flush();
  }
}
