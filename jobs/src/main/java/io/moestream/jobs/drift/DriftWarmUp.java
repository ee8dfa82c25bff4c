package io.moestream.jobs.drift;

import io.moestream.jobs.local.FlopCounter;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.serve.ModelExport;
import io.moestream.moe.train.MoeTrainer;
import io.moestream.moe.train.StepResult;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * The upcycled preset's dense warm-up for one seed: a dense model, its FFN one expert wide, trained
 * on the warm-up slices (every domain, interleaved), then exported with the library's own writer
 * ({@link ModelExport}, what {@code moe snapshot export} writes) so that every configuration of the
 * seed upcycles from the directory exactly as a user's {@code --init-from} would. One warm-up per
 * seed: the seed's spread then includes the warm-up's, and a paired comparison pairs runs that
 * started from the same dense model.
 */
final class DriftWarmUp {
  /**
   * One finished warm-up.
   *
   * @param seed the seed it trained from
   * @param snapshot the exported directory
   * @param steps steps trained
   * @param tokens tokens trained on
   * @param trainFlopsPerToken model FLOPs per trained token ({@link FlopCounter}, attention
   *     included)
   * @param lastLoss mean prequential loss of its last {@link DriftMetrics#PRE_SWITCH_STEPS} steps
   * @param wallNanos its wall time, export included
   * @param cpuNanos CPU time of its thread
   */
  record Result(
      long seed,
      Path snapshot,
      long steps,
      long tokens,
      double trainFlopsPerToken,
      double lastLoss,
      long wallNanos,
      long cpuNanos) {

    /**
     * Its whole training compute: counted once, since every configuration of the seed shares it.
     */
    double totalFlops() {
      return trainFlopsPerToken * tokens;
    }
  }

  private DriftWarmUp() {}

  /** The warm-up model: the benchmark's shape with one dense FFN of one expert's width. */
  static ModelConfig model(DriftSettings s) {
    return s.model(CONFIG);
  }

  private static final DriftConfig CONFIG =
      new DriftConfig("dense-warm-up", RouterConfig.dense(), 1, false);

  static Result train(DriftSettings s, DriftSlices slices, long seed, Path dir) throws IOException {
    long started = System.nanoTime();
    long cpuStarted = DriftRunner.cpuNanos();
    ModelConfig model = model(s);
    List<int[][]> batches = slices.warmUpBatches(s.batch(), s.ctx());
    double[] loss = new double[batches.size()];
    long tokens = 0;
    long pairs = 0;
    try (MoeTrainer t = MoeTrainer.create(model, s.train(CONFIG, seed))) {
      for (int i = 0; i < batches.size(); i++) {
        StepResult r = t.train(batches.get(i));
        loss[i] = r.prequentialLoss();
        tokens += r.tokens();
        pairs += r.expertPairs();
      }
      ModelExport.write(
          t,
          "drift-warm-up-seed-" + seed,
          dir,
          "bench drift warm-up",
          tokens,
          false,
          Instant.now());
    }
    double flops = FlopCounter.trainPerToken(model, tokens == 0 ? 0 : (double) pairs / tokens);
    double last = DriftMetrics.mean(loss, loss.length - DriftMetrics.PRE_SWITCH_STEPS, loss.length);
    return new Result(
        seed,
        dir,
        batches.size(),
        tokens,
        flops,
        last,
        System.nanoTime() - started,
        DriftRunner.cpuNanos() - cpuStarted);
  }
}
