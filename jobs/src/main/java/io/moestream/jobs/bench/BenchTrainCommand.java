package io.moestream.jobs.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moestream.jobs.cli.DeviceOptions;
import io.moestream.jobs.cli.ExpertDispatchOptions;
import io.moestream.jobs.cli.ModelOptions;
import io.moestream.jobs.cli.PrecisionOptions;
import io.moestream.jobs.cli.TrainOptions;
import io.moestream.jobs.local.FlopCounter;
import io.moestream.jobs.local.StepJsonWriter;
import io.moestream.jobs.process.Allocator;
import io.moestream.jobs.process.Rss;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.data.TextCorpus;
import io.moestream.moe.model.ExpertDispatch;
import io.moestream.moe.model.LayerStats;
import io.moestream.moe.tensor.DeviceReads;
import io.moestream.moe.tensor.Precision;
import io.moestream.moe.train.MoeTrainer;
import io.moestream.moe.train.StepPhases;
import io.moestream.moe.train.StepResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Training throughput of one configuration, put in context: counted model FLOPs, the same process's
 * plain-matmul speed, what routing into many small expert matmuls costs against one big matmul, and
 * whether resident memory keeps growing (a native-tensor leak) over a long run.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Train on the bundled corpus (cycling) and print one JSON line of measurements.")
final class BenchTrainCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int RSS_STEP = 1000;

  /** Size of the square matmul that is the machine's reference speed. */
  private static final int SGEMM_N = 1024;

  /** Extra steps run under PyTorch's profiler after the timed ones, to count libtorch calls. */
  private static final int PROFILED_STEPS = 3;

  @Spec CommandSpec spec;
  @Mixin ModelOptions model;
  @Mixin TrainOptions train;
  @Mixin DeviceOptions device = new DeviceOptions();
  @Mixin ExpertDispatchOptions dispatch = new ExpertDispatchOptions();
  @Mixin PrecisionOptions precision = new PrecisionOptions();

  @Option(
      names = "--compare-dispatch",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Also train a twin model with the other --expert-dispatch from the same seed on the same"
              + " batches, steps interleaved, and report both timings under expert_dispatch"
              + " (default: ${DEFAULT-VALUE}).")
  boolean compareDispatch;

  @Option(
      names = "--steps",
      paramLabel = "N",
      defaultValue = "100",
      description = "Training steps, warm-up included (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--warmup",
      paramLabel = "N",
      defaultValue = "5",
      description = "Leading steps left out of the timing (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--json-out",
      paramLabel = "FILE",
      description = "Also append the JSON line to FILE (default: none).")
  Path jsonOut;

  @Override
  public Integer call() throws IOException {
    if (warmup < 0 || steps <= warmup) {
      throw new IllegalArgumentException(
          "--steps (" + steps + ") must be larger than --warmup (" + warmup + ")");
    }
    ModelConfig m = model.toConfig();
    Device on = device.resolve();
    int batch = train.batch();
    TextCorpus corpus = TextCorpus.bundled();
    TextCorpus.BatchCursor cursor = corpus.cursor(batch, m.ctx());
    BenchResult res = new BenchResult(m.layers());
    RunTenths tenths = new RunTenths(steps - warmup); // the timed model's trend
    ExpertDispatch main = dispatch.dispatch();
    ExpertDispatch other =
        main == ExpertDispatch.GROUPED ? ExpertDispatch.PER_EXPERT : ExpertDispatch.GROUPED;
    BenchResult twinRes = compareDispatch ? new BenchResult(m.layers()) : null;
    int[][] last = null;
    Precision p = precision.choice(); // both dispatches compute in it
    try (MoeTrainer trainer =
            MoeTrainer.create(m, train.toConfig(m), on).expertDispatch(main).precision(p);
        MoeTrainer twin =
            compareDispatch
                ? MoeTrainer.create(m, train.toConfig(m), on).expertDispatch(other).precision(p)
                : null) {
      for (int s = 0; s < steps; s++) {
        if (!cursor.hasNext()) {
          cursor = corpus.cursor(batch, m.ctx()); // cycle: a benchmark measures speed, not data
        }
        last = cursor.next();
        boolean timed = s >= warmup;
        // The twin goes first on every other step, so neither dispatch always finds the caches
        // warmed (or the allocator grown) by the other.
        if (twin != null && s % 2 == 1) {
          twinRes.add(twin.train(last), timed);
        }
        long readsBefore = DeviceReads.count();
        StepResult r = trainer.train(last);
        res.add(r, timed, DeviceReads.count() - readsBefore);
        if (timed) {
          tenths.add(
              r.nanos(),
              FlopCounter.trainPerToken(m, (double) r.expertPairs() / r.tokens()) * r.tokens(),
              () -> {
                // memory first: the sgemm's own buffers must not count in it
                double rss = Rss.megabytes();
                NativeHeap.Counts heap = NativeHeap.now();
                return new RunTenths.PartEnd(rss, MatmulBench.sgemmGflops(on, SGEMM_N), heap);
              });
        }
        if (twin != null && s % 2 == 0) {
          twinRes.add(twin.train(last), timed);
        }
        if (s + 1 == RSS_STEP) {
          res.rssAt1000 = Rss.megabytes();
        }
      }
      res.rssFinal = Rss.megabytes();
      res.active = trainer.activeCounts();
      List<LayerStats> routing = trainer.evaluate(last).layers();
      long[][] rows = new long[routing.size()][];
      for (int l = 0; l < rows.length; l++) {
        rows[l] = routing.get(l).perExpert();
      }
      res.experts = MatmulBench.experts(on, m.dModel(), m.dFf(), rows);
      // Last, so that nothing reported above sees the profiled steps.
      res.libtorchCallsPerStep = profiledCallsPerStep(trainer, corpus, cursor, batch, m, on);
    }
    res.sgemm = MatmulBench.sgemmGflops(on, SGEMM_N);
    ObjectNode o = report(m, batch, on, res, tenths);
    putTenths(o, tenths);
    putDispatch(o, main, res, other, twinRes);
    String line = JSON.writeValueAsString(o);
    spec.commandLine().getOut().println(line);
    spec.commandLine().getOut().flush();
    if (jsonOut != null) {
      Path parent = jsonOut.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(
          jsonOut,
          line + System.lineSeparator(),
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    }
    return 0;
  }

  /** Top-level libtorch operator calls per training step, over {@link #PROFILED_STEPS} steps. */
  private static double profiledCallsPerStep(
      MoeTrainer trainer,
      TextCorpus corpus,
      TextCorpus.BatchCursor cursor,
      int batch,
      ModelConfig m,
      Device on)
      throws IOException {
    int[][][] batches = new int[PROFILED_STEPS][][];
    TextCorpus.BatchCursor c = cursor;
    for (int i = 0; i < batches.length; i++) {
      if (!c.hasNext()) {
        c = corpus.cursor(batch, m.ctx());
      }
      batches[i] = c.next();
    }
    Path trace = Files.createTempFile("moe-bench-trace", ".json");
    try {
      long calls =
          LibtorchCalls.count(
              on.isGpu(),
              trace,
              () -> {
                for (int[][] b : batches) {
                  trainer.train(b);
                }
              });
      return (double) calls / PROFILED_STEPS;
    } finally {
      // -Dmoe.bench.trace=FILE keeps the trace (open it in chrome://tracing or Perfetto).
      String keep = System.getProperty("moe.bench.trace");
      if (keep != null) {
        Files.copy(trace, Path.of(keep), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      Files.deleteIfExists(trace);
    }
  }

  private ObjectNode report(ModelConfig m, int batch, Device on, BenchResult r, RunTenths tenths) {
    ObjectNode o = JSON.createObjectNode();
    o.put("bench", "train");
    ObjectNode c = o.putObject("config");
    c.put("d", m.dModel());
    c.put("layers", m.layers());
    c.put("heads", m.heads());
    c.put("ctx", m.ctx());
    c.put("ff", m.dFf());
    c.put("batch", batch);
    c.put("router", m.router().kind().cliName());
    c.put("experts", m.router().experts());
    c.put("emax", m.router().maxExperts());
    c.put("vocab", m.vocabSize());
    o.put("device", on.toString());
    precision.report(o);
    o.put("engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
    // The allocator shapes the step time (page faults): glibc's thresholds as ./moe sets them
    // (null: glibc's defaults), and a preloaded allocator with its settings (./moe preloads
    // jemalloc where installed, the Flink image always).
    ObjectNode malloc = o.putObject("malloc");
    Allocator allocator = Allocator.ofThisProcess();
    malloc.put("allocator", allocator.name());
    malloc.put("library", allocator.library());
    malloc.put("trim_threshold", System.getenv("MALLOC_TRIM_THRESHOLD_"));
    malloc.put("mmap_threshold", System.getenv("MALLOC_MMAP_THRESHOLD_"));
    malloc.put("ld_preload", System.getenv("LD_PRELOAD"));
    malloc.put("malloc_conf", System.getenv("MALLOC_CONF")); // jemalloc's settings
    o.put("steps", steps);
    o.put("warmup", warmup);
    double tokS = r.tokensPerSecond();
    double pairsPerToken = r.pairsPerToken();
    double flops = FlopCounter.trainPerToken(m, pairsPerToken);
    double achieved = flops * tokS / 1e9;
    o.put("tokens_per_s", tokS);
    o.put("expert_pairs_per_token", pairsPerToken);
    o.put("model_flops_per_token", flops);
    o.put("achieved_gflops", achieved);
    o.put("sgemm_gflops", r.sgemm);
    o.put("achieved_vs_sgemm", achieved / r.sgemm);
    // The figure to judge the run by: each tenth against the sgemm of its own seconds (RunTenths).
    StepJsonWriter.putFinite(
        o, "achieved_vs_sgemm_median_of_tenths", tenths.medianAchievedVsSgemm());
    StepJsonWriter.putFinite(o, "libtorch_calls_per_step", r.libtorchCallsPerStep);
    StepJsonWriter.putFinite(o, "host_reads_per_step", r.hostReadsPerStep());
    o.put("host_reads_max_step", r.hostReadsMax);
    ObjectNode e = o.putObject("expert_matmul");
    StepJsonWriter.putFinite(e, "gflops", r.experts.expertGflops());
    StepJsonWriter.putFinite(e, "plain_same_size_gflops", r.experts.plainGflops());
    StepJsonWriter.putFinite(e, "ratio", r.experts.expertGflops() / r.experts.plainGflops());
    e.put("routed_pairs", r.experts.pairs());
    e.put("expert_matmuls", r.experts.matmuls());
    e.put("routing", "inference pass over the last training batch");
    putMb(o, "rss_mb_at_1000", r.rssAt1000);
    putMb(o, "rss_mb_final", r.rssFinal);
    putMb(o, "rss_growth_pct", 100 * (r.rssFinal - r.rssAt1000) / r.rssAt1000);
    ArrayNode active = o.putArray("active_experts");
    for (int a : r.active) {
      active.add(a);
    }
    o.put("spawns", r.spawns);
    o.put("prunes", r.prunes);
    return o;
  }

  /**
   * {@code expert_dispatch}: each dispatch's speed on the same batches, and how far the two models'
   * losses drifted apart (rounding compounding through the steps; not a speed figure).
   */
  private static void putDispatch(
      ObjectNode o, ExpertDispatch main, BenchResult r, ExpertDispatch other, BenchResult twin) {
    ObjectNode d = o.putObject("expert_dispatch");
    d.put("timed", main.cliName());
    putSpeed(d.putObject(main.cliName()), r);
    if (twin == null) {
      return;
    }
    putSpeed(d.putObject(other.cliName()), twin);
    BenchResult perExpert = main == ExpertDispatch.PER_EXPERT ? r : twin;
    BenchResult grouped = main == ExpertDispatch.PER_EXPERT ? twin : r;
    StepJsonWriter.putFinite(
        d, "grouped_speedup", grouped.tokensPerSecond() / perExpert.tokensPerSecond());
    StepJsonWriter.putFinite(d, "max_abs_loss_diff", BenchResult.maxLossDiff(r, twin));
  }

  private static void putSpeed(ObjectNode o, BenchResult r) {
    StepJsonWriter.putFinite(o, "tokens_per_s", r.tokensPerSecond());
    StepJsonWriter.putFinite(o, "ms_per_step", r.msPerStep());
    ObjectNode phases = o.putObject("phase_ms_per_step");
    for (int i = 0; i < StepPhases.NAMES.size(); i++) {
      StepJsonWriter.putFinite(phases, StepPhases.NAMES.get(i), r.msPerStepIn(i));
    }
  }

  /**
   * {@code over_the_run}: the timed model's mean ms per step in each tenth of the timed steps, and
   * after each the same-run sgemm speed, resident memory and glibc malloc's bytes in use and kept
   * free (absent under ten timed steps; the malloc counts null where glibc's malloc does not serve
   * the process). The twin model's steps interleave with these, so the memory is the process's,
   * both models together.
   */
  private static void putTenths(ObjectNode o, RunTenths t) {
    if (!t.recorded()) {
      return;
    }
    ObjectNode run = o.putObject("over_the_run");
    putRounded(run.putArray("ms_per_step"), t.msPerStep(), 100);
    putExact(run.putArray("achieved_gflops"), t.achievedGflops()); // GFLOP/s to TFLOP/s
    putRounded(run.putArray("sgemm_gflops"), t.sgemmGflops(), 10);
    putExact(run.putArray("achieved_vs_sgemm"), t.achievedVsSgemm()); // 0.001 on a GPU
    putRounded(run.putArray("rss_mb"), t.rssMb(), 10);
    putRounded(run.putArray("malloc_in_use_mb"), t.mallocInUseMb(), 10);
    putRounded(run.putArray("malloc_free_mb"), t.mallocFreeMb(), 10);
  }

  private static void putRounded(ArrayNode a, double[] values, int scale) {
    for (double v : values) {
      if (Double.isFinite(v)) {
        a.add(Math.round(v * scale) / (double) scale);
      } else {
        a.addNull();
      }
    }
  }

  private static void putExact(ArrayNode a, double[] values) {
    for (double v : values) {
      if (Double.isFinite(v)) {
        a.add(v);
      } else {
        a.addNull();
      }
    }
  }

  private static void putMb(ObjectNode o, String field, double v) {
    if (Double.isFinite(v)) {
      o.put(field, Math.round(v * 10) / 10.0);
    } else {
      o.putNull(field);
    }
  }
}
