package io.moestream.jobs.drift;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The look shared by every drift plot — size, fonts, domain-boundary lines, PNG output — so the
 * plot classes only say what to draw. Rendering is headless: the benchmark runs on servers and in
 * CI, where there is no display.
 */
final class DriftCharts {
  static final int WIDTH = 1000;
  static final int HEIGHT = 520;

  /** Distinct colours (matplotlib's tab10): XChart's default palette repeats a yellow. */
  private static final Color[] PALETTE = {
    new Color(0x1f77b4),
    new Color(0xff7f0e),
    new Color(0x2ca02c),
    new Color(0xd62728),
    new Color(0x9467bd),
    new Color(0x8c564b),
    new Color(0xe377c2),
    new Color(0x7f7f7f),
    new Color(0xbcbd22),
    new Color(0x17becf)
  };

  static {
    System.setProperty("java.awt.headless", "true");
  }

  private DriftCharts() {}

  /**
   * A line chart with no markers and the legend outside, right of the plot, one entry per line: a
   * horizontal legend below the plot does not wrap and cut off the last of 18 configurations.
   */
  static XYChart lines(String title, String xTitle, String yTitle) {
    XYChart c =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle(xTitle)
            .yAxisTitle(yTitle)
            .build();
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    c.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
    c.getStyler().setMarkerSize(0);
    c.getStyler().setSeriesColors(PALETTE);
    c.getStyler().setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    c.getStyler().setAnnotationLineColor(new Color(90, 90, 90));
    c.getStyler()
        .setAnnotationLineStroke(
            new BasicStroke(
                1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 4, new float[] {6, 4}, 0));
    c.getStyler().setAnnotationTextFontColor(new Color(60, 60, 60));
    c.getStyler().setAnnotationTextFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    return c;
  }

  /** Adds a series as a plain line: x = step index. */
  static XYSeries addLine(XYChart c, String name, double[] y) {
    double[] x = new double[y.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = i;
    }
    XYSeries s = c.addSeries(name, x, y);
    s.setMarker(SeriesMarkers.NONE);
    s.setLineWidth(1.6f);
    return s;
  }

  /**
   * Fixes the y range to {@code [lo, hi]} plus a margin, then marks every domain switch with a
   * dashed vertical line and the new domain's name just below the top edge.
   */
  static void markDomains(XYChart c, int[] switches, List<String> domains, double lo, double hi) {
    double pad = Math.max((hi - lo) * 0.12, 1e-3);
    c.getStyler().setYAxisMin(lo - pad * 0.25);
    c.getStyler().setYAxisMax(hi + pad);
    c.addAnnotation(new AnnotationText(domains.get(0), textX(0, switches), hi + pad * 0.5, false));
    for (int i = 0; i < switches.length; i++) {
      c.addAnnotation(new AnnotationLine(switches[i], true, false));
      double x = textX(switches[i], switches);
      c.addAnnotation(new AnnotationText(domains.get(i + 1), x, hi + pad * 0.5, false));
    }
  }

  /** A label's x: a little right of its boundary, so that it does not sit on the line. */
  private static double textX(int boundary, int[] switches) {
    double span = switches.length == 0 ? 1 : switches[0];
    return boundary + span * 0.3;
  }

  /** Finite min and max of the series, {@code [0, 1]} when none is finite. */
  static double[] range(List<double[]> series) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (double[] s : series) {
      for (double v : s) {
        if (Double.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    return lo <= hi ? new double[] {lo, hi} : new double[] {0, 1};
  }

  /** Writes one chart as {@code dir/name}. */
  static String save(Chart<?, ?> chart, Path dir, String name) throws IOException {
    BitmapEncoder.saveBitmap(chart, dir.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
    return name;
  }

  /** Writes charts stacked in one column (one per layer) as {@code dir/name}. */
  static <C extends Chart<?, ?>> String saveColumn(List<C> charts, Path dir, String name)
      throws IOException {
    BitmapEncoder.saveBitmap(
        charts, charts.size(), 1, dir.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
    return name;
  }
}
