package io.moestream.jobs.drift;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The two summary plots of a preset: (g) overall loss against expert FLOPs per token — the grid's
 * frontier as a line through its members, every grid point and every other router as a point with ±
 * one std over seeds as error bars, FLOPs on a log axis (the frontier is linear in log-FLOPs, so it
 * is drawn straight); (h) forgetting after each switch per configuration, with error bars.
 */
final class DriftFrontierPlots {
  private DriftFrontierPlots() {}

  static List<String> write(DriftResults r, Path dir) throws IOException {
    List<String> files = new ArrayList<>();
    files.add(frontier(r, dir));
    if (r.reference().switchSteps().length > 0) {
      files.add(forgetting(r, dir));
    }
    return files;
  }

  /** "1 = source-code, 2 = german-prose, ...": the x axis counts the switches. */
  private static String afterLabels(List<String> domains) {
    List<String> parts = new ArrayList<>();
    for (int i = 1; i < domains.size(); i++) {
      parts.add(i + " = " + domains.get(i));
    }
    return String.join(", ", parts);
  }

  private static String frontier(DriftResults r, Path dir) throws IOException {
    XYChart c =
        DriftCharts.lines(
            r.preset().title()
                + ": overall prequential loss vs expert FLOPs (mean ± std over seeds)",
            "expert FLOPs per token (log scale)",
            "overall prequential loss (nats/token)");
    c.getStyler().setXAxisLogarithmic(true);
    c.getStyler().setXAxisLogarithmicDecadeOnly(false);
    c.getStyler().setXAxisDecimalPattern("#,###");
    c.getStyler().setMarkerSize(9);
    c.getStyler().setErrorBarsColorSeriesColor(true);
    List<DriftSummary> members = DriftComparison.frontierMembers(r.summaries());
    if (!members.isEmpty()) {
      double[] x = members.stream().mapToDouble(s -> s.flopsPerToken().mean()).toArray();
      double[] y = members.stream().mapToDouble(s -> s.overallLoss().mean()).toArray();
      XYSeries line = c.addSeries("grid frontier", x, y);
      line.setMarker(SeriesMarkers.NONE);
      line.setLineWidth(2.5f);
    }
    for (DriftSummary s : r.summaries()) {
      XYSeries p =
          c.addSeries(
              s.name(),
              new double[] {s.flopsPerToken().mean()},
              new double[] {s.overallLoss().mean()},
              new double[] {s.overallLoss().std()});
      p.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
      p.setMarker(s.config().grid() ? SeriesMarkers.CIRCLE : SeriesMarkers.DIAMOND);
    }
    return DriftCharts.save(c, dir, r.preset().id() + "-frontier.png");
  }

  private static String forgetting(DriftResults r, Path dir) throws IOException {
    DriftRun ref = r.reference();
    List<String> domains = ref.domainNames();
    XYChart c =
        DriftCharts.lines(
            r.preset().title()
                + ": forgetting — held-out loss rise on earlier domains (mean ± std over seeds)",
            "after the last step of domain " + afterLabels(domains),
            "forgetting (nats)");
    c.getStyler().setMarkerSize(6);
    c.getStyler().setErrorBarsColorSeriesColor(true);
    c.getStyler().setXAxisDecimalPattern("0");
    int switches = ref.switchSteps().length;
    double[] x = new double[switches];
    for (int i = 0; i < switches; i++) {
      x[i] = i + 1;
    }
    for (DriftSummary s : r.summaries()) {
      double[] mean = new double[switches];
      double[] std = new double[switches];
      for (int i = 0; i < switches; i++) {
        final int ii = i;
        DriftSummary.Stat st = s.stat(m -> m.forgettingAfter()[ii]);
        mean[i] = st.mean();
        std[i] = st.std();
      }
      XYSeries line = c.addSeries(s.name(), x, mean, std);
      line.setMarker(SeriesMarkers.CIRCLE);
      line.setLineWidth(1.6f);
    }
    return DriftCharts.save(c, dir, r.preset().id() + "-forgetting.png");
  }
}
