package io.moestream.jobs.drift;

import io.moestream.jobs.cli.Format;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import java.util.function.ToIntFunction;

/**
 * One configuration's runs over all seeds and their mean ± std: the unit the report's tables and
 * the verdict compare. Seeds are aggregated here and nowhere else so every quoted "±" means the
 * same thing (sample std over seeds).
 *
 * @param config the configuration
 * @param runs one per seed, in seed order
 * @param metrics the runs' metrics, same order
 */
record DriftSummary(DriftConfig config, List<DriftRun> runs, List<DriftRunMetrics> metrics) {

  /** A mean and sample std over seeds. */
  record Stat(double mean, double std) {
    static Stat of(double[] values) {
      return new Stat(DriftMetrics.mean(values), DriftMetrics.std(values));
    }

    String format(int decimals) {
      return Format.fixed(mean, decimals) + " ± " + Format.fixed(std, decimals);
    }
  }

  static DriftSummary of(DriftConfig config, List<DriftRun> runs, long windowPeriod) {
    List<DriftRunMetrics> metrics = new ArrayList<>();
    for (DriftRun r : runs) {
      metrics.add(DriftRunMetrics.of(r, windowPeriod));
    }
    return new DriftSummary(config, List.copyOf(runs), List.copyOf(metrics));
  }

  String name() {
    return config.name();
  }

  DriftPreset preset() {
    return runs.get(0).preset();
  }

  /** One value per seed, in seed order: the unit every paired comparison works on. */
  double[] perSeed(ToDoubleFunction<DriftRunMetrics> f) {
    return metrics.stream().mapToDouble(f).toArray();
  }

  List<Long> seeds() {
    return runs.stream().map(DriftRun::seed).toList();
  }

  Stat stat(ToDoubleFunction<DriftRunMetrics> f) {
    return Stat.of(metrics.stream().mapToDouble(f).toArray());
  }

  Stat overallLoss() {
    return stat(DriftRunMetrics::overallLoss);
  }

  Stat flopsPerToken() {
    return stat(DriftRunMetrics::flopsPerToken);
  }

  /**
   * A "steps after switch" cell over seeds: mean ± std of the seeds where it happened, and how many
   * seeds it never happened in.
   */
  String delayCell(ToIntFunction<DriftRunMetrics> perSeed) {
    List<Double> hit = new ArrayList<>();
    for (DriftRunMetrics m : metrics) {
      int v = perSeed.applyAsInt(m);
      if (v != DriftMetrics.NEVER) {
        hit.add((double) v);
      }
    }
    int never = metrics.size() - hit.size();
    if (hit.isEmpty()) {
      return "never";
    }
    String cell = Stat.of(hit.stream().mapToDouble(Double::doubleValue).toArray()).format(1);
    return never == 0 ? cell : cell + " (" + never + "/" + metrics.size() + " never)";
  }

  /** Per layer, mean over seeds of a per-layer metric, joined with " / ". */
  String perLayer(java.util.function.Function<DriftRunMetrics, double[]> f, int decimals) {
    int layers = f.apply(metrics.get(0)).length;
    double[] means = new double[layers];
    for (int l = 0; l < layers; l++) {
      final int layer = l;
      means[l] = stat(m -> f.apply(m)[layer]).mean();
    }
    return Format.doubles(means, " / ", decimals);
  }

  /** Mean over seeds of each step of a per-step series (the plots' curves). */
  double[] meanSeries(java.util.function.Function<DriftRun, double[]> f) {
    double[][] rows = new double[runs.size()][];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = f.apply(runs.get(i));
    }
    return DriftMetrics.meanOverRows(rows);
  }
}
