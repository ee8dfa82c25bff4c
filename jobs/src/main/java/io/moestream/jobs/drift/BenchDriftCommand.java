package io.moestream.jobs.drift;

import io.moestream.jobs.cli.Format;
import io.moestream.moe.data.TextCorpus;
import io.moestream.moe.tensor.TorchThreads;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
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
      "Runs one configuration per core (--parallel), 1 libtorch thread each; --quick checks the"
          + " pipeline in seconds."
    })
public final class BenchDriftCommand implements Callable<Integer> {
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
    int parallel = options.parallel();
    err.printf(
        "bench drift: %d configurations x %d seeds, %d steps each (%s), %d at a time, report in"
            + " %s%n",
        chosen.size(),
        settings.seeds().size(),
        runner.steps(),
        String.join(" > ", runner.domainNames()),
        parallel,
        dir);
    err.flush();
    long started = System.nanoTime();
    List<DriftSummary> summaries;
    try (TorchThreads t = TorchThreads.use(options.threads)) {
      summaries = runAll(runner, chosen, settings.seeds(), parallel, err, started);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    Path report = DriftReport.write(dir, settings, summaries, seconds, parallel);
    err.printf("bench drift: done in %s min%n", Format.fixed(seconds / 60, 1));
    err.flush();
    spec.commandLine().getOut().println(report.toAbsolutePath());
    spec.commandLine().getOut().flush();
    return 0;
  }

  /**
   * Runs every (configuration, seed) pair, {@code parallel} at a time, and groups the runs by
   * configuration in the order given. Each run owns its trainer and NDManager and draws its random
   * numbers from its own seeded generator, so the numbers do not depend on how runs are scheduled
   * (BenchDriftTest checks parallel against sequential); only wall times do.
   */
  private static List<DriftSummary> runAll(
      DriftRunner runner,
      List<DriftConfig> configs,
      List<Long> seeds,
      int parallel,
      PrintWriter err,
      long started)
      throws Exception {
    int total = configs.size() * seeds.size();
    AtomicInteger done = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            parallel,
            r -> {
              Thread t = new Thread(r, "drift-run");
              t.setDaemon(true); // an interrupted benchmark must not keep the JVM alive
              return t;
            });
    try {
      List<List<Future<DriftRun>>> futures = new ArrayList<>();
      for (DriftConfig c : configs) {
        List<Future<DriftRun>> perSeed = new ArrayList<>();
        for (long seed : seeds) {
          perSeed.add(
              pool.submit(
                  () -> {
                    DriftRun run = runner.run(c, seed);
                    synchronized (err) {
                      progress(err, done.incrementAndGet(), total, run, started);
                    }
                    return run;
                  }));
        }
        futures.add(perSeed);
      }
      List<DriftSummary> summaries = new ArrayList<>();
      for (int i = 0; i < configs.size(); i++) {
        List<DriftRun> runs = new ArrayList<>();
        for (Future<DriftRun> f : futures.get(i)) {
          runs.add(result(f));
        }
        summaries.add(DriftSummary.of(configs.get(i), runs));
      }
      return summaries;
    } finally {
      pool.shutdownNow();
    }
  }

  /** A run's result, with the run's own exception (not the executor's wrapper) on failure. */
  private static DriftRun result(Future<DriftRun> f) throws Exception {
    try {
      return f.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
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
