package io.moestream.jobs.drift;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.knowm.xchart.XYChart;

/**
 * A preset's plots over the stream, each with the domain switches marked: (a) prequential loss of
 * DynMoE (and DynMoE + budget) against the grid's best and worst point and the other baselines, (b)
 * the DynMoE configurations' active experts per layer, (c) average k per layer of the adaptive
 * routers — the streaming analogue of the DynMoE paper's Figures 4 and 5. Curves are means over
 * seeds; file names start with the preset's id.
 */
final class DriftLinePlots {
  private DriftLinePlots() {}

  /** Trailing-mean window of the smoothed curves: about 1/60 of the stream, at least 5 steps. */
  static int smoothing(int steps) {
    return Math.max(5, steps / 60);
  }

  /** Draws whichever of (a)–(c) the configurations allow; returns the file names written. */
  static List<String> write(DriftResults r, Path dir) throws IOException {
    List<DriftSummary> all = r.summaries();
    String prefix = r.preset().id() + "-";
    List<String> files = new ArrayList<>();
    DriftRun ref = r.reference();
    int window = smoothing(ref.steps());
    files.add(loss(all, dir, ref, window, prefix, r.preset().title()));
    List<DriftSummary> dyn = all.stream().filter(s -> s.config().isDynMoe()).toList();
    if (!dyn.isEmpty()) {
      files.add(active(dyn, dir, ref, prefix));
    }
    List<DriftSummary> adaptive = new ArrayList<>();
    for (String n :
        List.of(
            DriftConfig.DYNMOE,
            DriftConfig.DYNMOE_BUDGET,
            DriftConfig.TOP_P,
            DriftConfig.NULL_EXPERTS)) {
      find(all, n).ifPresent(adaptive::add);
    }
    if (!adaptive.isEmpty()) {
      files.add(avgK(adaptive, dir, ref, window, prefix));
    }
    return files;
  }

  private static Optional<DriftSummary> find(List<DriftSummary> all, String name) {
    return all.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  private static String loss(
      List<DriftSummary> all, Path dir, DriftRun ref, int window, String prefix, String title)
      throws IOException {
    List<DriftSummary> shown = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    find(all, DriftConfig.DYNMOE).ifPresent(s -> add(shown, labels, s, "DynMoE"));
    find(all, DriftConfig.DYNMOE_BUDGET).ifPresent(s -> add(shown, labels, s, "DynMoE + budget"));
    List<DriftSummary> grid = all.stream().filter(s -> s.config().grid()).toList();
    Comparator<DriftSummary> byLoss = Comparator.comparingDouble(s -> s.overallLoss().mean());
    grid.stream().min(byLoss).ifPresent(s -> add(shown, labels, s, "best grid: " + s.name()));
    grid.stream()
        .max(byLoss)
        .filter(s -> grid.size() > 1)
        .ifPresent(s -> add(shown, labels, s, "worst grid: " + s.name()));
    for (String n :
        List.of(
            DriftConfig.TOP_P,
            DriftConfig.NULL_EXPERTS,
            DriftConfig.DENSE,
            DriftConfig.DYNMOE_EVOLVE,
            DriftConfig.EVOMOE,
            DriftConfig.MOE_TUNING)) {
      find(all, n).ifPresent(s -> add(shown, labels, s, n));
    }
    XYChart c =
        DriftCharts.lines(
            title + ": prequential loss over the stream (trailing mean of " + window + " steps)",
            "training step",
            "prequential loss (nats/token)");
    List<double[]> curves = new ArrayList<>();
    for (int i = 0; i < shown.size(); i++) {
      double[] y = DriftMetrics.smooth(shown.get(i).meanSeries(DriftRun::loss), window);
      curves.add(y);
      DriftCharts.addLine(c, labels.get(i), y);
    }
    // The first steps of a fresh model (loss ~5.5) would squash the part worth reading: the
    // y range ignores the first tenth of domain 0, and the clipped start is drawn off the top.
    int[] switches = ref.switchSteps();
    int skip = (switches.length > 0 ? switches[0] : ref.steps()) / 10;
    List<double[]> tails = new ArrayList<>();
    for (double[] y : curves) {
      tails.add(java.util.Arrays.copyOfRange(y, Math.min(skip, y.length), y.length));
    }
    mark(c, ref, tails);
    return DriftCharts.save(c, dir, prefix + "loss.png");
  }

  private static void add(List<DriftSummary> shown, List<String> labels, DriftSummary s, String l) {
    shown.add(s);
    labels.add(l);
  }

  private static String active(List<DriftSummary> dyn, Path dir, DriftRun ref, String prefix)
      throws IOException {
    XYChart c =
        DriftCharts.lines(
            "DynMoE active experts per layer (mean over seeds)", "training step", "active experts");
    List<double[]> curves = new ArrayList<>();
    for (DriftSummary s : dyn) {
      for (int l = 0; l < ref.layers(); l++) {
        final int layer = l;
        double[] y = s.meanSeries(r -> r.layerSeries(layer, true));
        curves.add(y);
        DriftCharts.addLine(c, s.name() + " layer " + l, y);
      }
    }
    curves.add(new double[] {0});
    mark(c, ref, curves);
    return DriftCharts.save(c, dir, prefix + "active-experts.png");
  }

  private static String avgK(
      List<DriftSummary> adaptive, Path dir, DriftRun ref, int window, String prefix)
      throws IOException {
    XYChart c =
        DriftCharts.lines(
            "Average experts per token (k) per layer (trailing mean of " + window + " steps)",
            "training step",
            "average k");
    List<double[]> curves = new ArrayList<>();
    for (DriftSummary s : adaptive) {
      for (int l = 0; l < ref.layers(); l++) {
        final int layer = l;
        double[] y = DriftMetrics.smooth(s.meanSeries(r -> r.layerSeries(layer, false)), window);
        curves.add(y);
        DriftCharts.addLine(c, s.name() + " layer " + l, y);
      }
    }
    curves.add(new double[] {0});
    mark(c, ref, curves);
    return DriftCharts.save(c, dir, prefix + "avg-k.png");
  }

  private static void mark(XYChart c, DriftRun ref, List<double[]> curves) {
    double[] r = DriftCharts.range(curves);
    DriftCharts.markDomains(c, ref.switchSteps(), ref.domainNames(), r[0], r[1]);
  }
}
