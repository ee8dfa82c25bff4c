package io.moestream.jobs.drift;

import io.moestream.jobs.cli.Format;
import io.moestream.moe.tensor.TorchThreads;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The product's headline benchmark: does an adaptive router — DynMoE, and DynMoE held to a compute
 * budget — beat the best fixed top-k choice at equal compute on a stream that drifts domain by
 * domain, from scratch and upcycled from a dense model? Every configuration trains from the same
 * seeds on the same batches and is scored prequentially and on held-out slices; the report answers
 * with paired intervals and plots. This class only sequences the runs and shows progress; see
 * {@link DriftOptions} for the flags and {@link DriftReport} for the output.
 */
@Command(
    name = "drift",
    mixinStandardHelpOptions = true,
    description = {
      "Continual-learning benchmark: DynMoE and DynMoE + budget against a top-k grid's"
          + " loss-vs-FLOPs frontier (and top-p, dense, ...) on a stream that switches domain,"
          + " from scratch and upcycled from a dense warm-up; writes report.md, results.csv,"
          + " results.json.gz and PNG plots.",
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
    Map<DriftPreset, List<DriftConfig>> chosen = options.configs();
    chosen.values().stream()
        .flatMap(List::stream)
        .forEach(settings::model); // fail on a bad shape before minutes of training, not after
    boolean upcycled = chosen.containsKey(DriftPreset.UPCYCLED);
    DriftSlices slices =
        DriftSlices.of(
            options.corpus(),
            settings.tokensPerDomain(),
            upcycled ? settings.warmUpTokensPerDomain() : 0,
            settings.heldOutTokens());
    Path dir = options.outDir();
    DriftRunner runner = new DriftRunner(settings, slices);
    PrintWriter err = spec.commandLine().getErr();
    int parallel = options.parallel();
    int configs = chosen.values().stream().mapToInt(List::size).sum();
    err.printf(
        "bench drift: %s; %d configurations x %d seeds, %d steps each (%s), %d at a time, report"
            + " in %s%n",
        String.join(" + ", chosen.keySet().stream().map(DriftPreset::id).toList()),
        configs,
        settings.seeds().size(),
        runner.steps(),
        String.join(" > ", runner.domainNames()),
        parallel,
        dir);
    err.flush();
    long started = System.nanoTime();
    List<DriftResults> results;
    Path warmDir = Files.createTempDirectory("drift-warm-up-");
    try (TorchThreads t = TorchThreads.use(options.threads)) {
      results = new Plan(settings, slices, runner, parallel, err, started, warmDir).run(chosen);
    } finally {
      deleteTree(warmDir);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    Path report = DriftReport.write(dir, settings, results, seconds, parallel);
    err.printf("bench drift: done in %s min%n", Format.fixed(seconds / 60, 1));
    err.flush();
    spec.commandLine().getOut().println(report.toAbsolutePath());
    spec.commandLine().getOut().flush();
    return 0;
  }

  /**
   * Runs the warm-ups and every (preset, configuration, seed), {@code parallel} at a time, and
   * groups the runs by configuration in the order given. Each run owns its trainer and NDManager
   * and draws its random numbers from its own seeded generator, so the numbers do not depend on how
   * runs are scheduled (BenchDriftTest checks parallel against sequential); only wall times do. The
   * warm-ups are queued first, so an upcycled run that waits for its seed's warm-up waits only for
   * one that is already running: the pool cannot deadlock.
   */
  private record Plan(
      DriftSettings settings,
      DriftSlices slices,
      DriftRunner runner,
      int parallel,
      PrintWriter err,
      long started,
      Path warmDir) {

    List<DriftResults> run(Map<DriftPreset, List<DriftConfig>> chosen) throws Exception {
      List<Long> seeds = settings.seeds();
      int total = chosen.values().stream().mapToInt(List::size).sum() * seeds.size();
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
        Map<Long, Future<DriftWarmUp.Result>> warm = new LinkedHashMap<>();
        if (chosen.containsKey(DriftPreset.UPCYCLED)) {
          for (long seed : seeds) {
            warm.put(seed, pool.submit(() -> warmUp(seed)));
          }
        }
        Map<DriftPreset, List<List<Future<DriftRun>>>> futures = new LinkedHashMap<>();
        for (var e : chosen.entrySet()) {
          DriftPreset preset = e.getKey();
          List<List<Future<DriftRun>>> perConfig = new ArrayList<>();
          for (DriftConfig c : e.getValue()) {
            List<Future<DriftRun>> perSeed = new ArrayList<>();
            for (long seed : seeds) {
              perSeed.add(
                  pool.submit(
                      () -> {
                        DriftStart start =
                            preset.upcycled()
                                ? DriftStart.upcycledFrom(result(warm.get(seed)))
                                : DriftStart.SCRATCH;
                        DriftRun run = runner.run(preset, c, seed, start);
                        synchronized (err) {
                          progress(done.incrementAndGet(), total, run);
                        }
                        return run;
                      }));
            }
            perConfig.add(perSeed);
          }
          futures.put(preset, perConfig);
        }
        List<DriftResults> out = new ArrayList<>();
        for (var e : chosen.entrySet()) {
          List<DriftSummary> summaries = new ArrayList<>();
          for (int i = 0; i < e.getValue().size(); i++) {
            List<DriftRun> runs = new ArrayList<>();
            for (Future<DriftRun> f : futures.get(e.getKey()).get(i)) {
              runs.add(result(f));
            }
            summaries.add(DriftSummary.of(e.getValue().get(i), runs, settings.window().period()));
          }
          List<DriftWarmUp.Result> warmUps = new ArrayList<>();
          if (e.getKey().upcycled()) {
            for (Future<DriftWarmUp.Result> f : warm.values()) {
              warmUps.add(result(f));
            }
          }
          out.add(new DriftResults(e.getKey(), summaries, warmUps));
        }
        return out;
      } finally {
        pool.shutdownNow();
      }
    }

    private DriftWarmUp.Result warmUp(long seed) throws IOException {
      DriftWarmUp.Result r =
          DriftWarmUp.train(settings, slices, seed, warmDir.resolve("seed-" + seed));
      synchronized (err) {
        err.printf(
            "[warm-up] seed %d: dense, %d steps, last loss %s, %s s%n",
            seed, r.steps(), Format.fixed(r.lastLoss(), 4), Format.fixed(r.wallNanos() / 1e9, 1));
        err.flush();
      }
      return r;
    }

    /** One line per finished run, so a half-hour benchmark is never silent. */
    private void progress(int done, int total, DriftRun run) {
      DriftRunMetrics m = DriftRunMetrics.of(run, settings.window().period());
      double elapsed = (System.nanoTime() - started) / 1e9;
      double eta = elapsed / done * (total - done);
      err.printf(
          "[%d/%d] %s %s seed %d: loss %s (per domain %s), forgetting %s, %s tok/s, %s s"
              + " (CPU %s s), spawns %d, prunes %d; ETA %s min%n",
          done,
          total,
          run.preset().id(),
          run.config(),
          run.seed(),
          Format.fixed(m.overallLoss(), 4),
          Format.doubles(m.domainLoss(), " ", 3),
          Format.fixed(m.forgetting(), 4),
          Format.fixed(m.tokensPerSecond(), 0),
          Format.fixed(m.wallSeconds(), 1),
          Format.fixed(m.cpuSeconds(), 1),
          m.spawns(),
          m.prunes(),
          Format.fixed(eta / 60, 1));
      err.flush();
    }
  }

  /** A task's result, with the task's own exception (not the executor's wrapper) on failure. */
  private static <T> T result(Future<T> f) throws Exception {
    try {
      return f.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
