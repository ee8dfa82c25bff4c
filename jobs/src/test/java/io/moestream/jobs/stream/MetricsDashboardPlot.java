package io.moestream.jobs.stream;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * The Grafana dashboard's panels (docker/grafana/dashboards/moe-stream.json) drawn from the same
 * PromQL through a real Prometheus's {@code query_range}, since no Grafana or browser runs where
 * the tests do: one PNG of six panels, series labelled by model (and layer). Written by
 * PrometheusMetricsITCase to target/metrics-dashboard.png; docs/metrics-dashboard.png is a copy.
 */
final class MetricsDashboardPlot {
  private static final int W = 620;
  private static final int H = 340;

  /** Panel title, PromQL, and the labels that name a series. */
  private record Panel(String title, String query, List<String> labels) {}

  static final List<Panel> PANELS =
      List.of(
          new Panel(
              "Prequential loss (nats/token)", PrometheusMetricsITCase.LOSS, List.of("model")),
          new Panel("Tokens/s", PrometheusMetricsITCase.TOKEN_RATE, List.of("model")),
          new Panel(
              "Average k per layer",
              "flink_taskmanager_job_task_operator_model_layer_avgK",
              List.of("model", "layer")),
          new Panel(
              "Active experts per layer",
              "flink_taskmanager_job_task_operator_model_layer_activeExperts",
              List.of("model", "layer")),
          new Panel(
              "Last checkpoint duration (ms)",
              "flink_jobmanager_job_lastCheckpointDuration",
              List.of("job_name")),
          new Panel(
              "Last checkpoint size (bytes)",
              "flink_jobmanager_job_lastCheckpointSize",
              List.of("job_name")));

  private MetricsDashboardPlot() {}

  static void write(PrometheusServer prometheus, Instant start, Instant end, Path png)
      throws IOException, InterruptedException {
    BufferedImage sheet = new BufferedImage(2 * W, 3 * H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = sheet.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, sheet.getWidth(), sheet.getHeight());
    for (int i = 0; i < PANELS.size(); i++) {
      Panel p = PANELS.get(i);
      XYChart chart = chart(p, prometheus.queryRange(p.query(), start, end), start);
      g.drawImage(BitmapEncoder.getBufferedImage(chart), (i % 2) * W, (i / 2) * H, null);
    }
    g.dispose();
    Files.createDirectories(png.toAbsolutePath().getParent());
    ImageIO.write(sheet, "png", png.toFile());
  }

  private static XYChart chart(
      Panel p, Map<Map<String, String>, List<double[]>> series, Instant start) {
    XYChart c =
        new XYChartBuilder()
            .width(W)
            .height(H)
            .title(p.title())
            .xAxisTitle("seconds since start")
            .build();
    c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    c.getStyler().setMarkerSize(0);
    for (Map.Entry<Map<String, String>, List<double[]>> s : series.entrySet()) {
      List<Double> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (double[] point : s.getValue()) {
        if (Double.isFinite(point[1])) {
          x.add(point[0] - start.getEpochSecond());
          y.add(point[1]);
        }
      }
      String name =
          p.labels().stream()
              .map(l -> l + "=" + s.getKey().getOrDefault(l, "?"))
              .collect(Collectors.joining(" "));
      if (!x.isEmpty() && !c.getSeriesMap().containsKey(name)) {
        c.addSeries(name, x, y);
      }
    }
    if (c.getSeriesMap().isEmpty()) {
      c.addSeries("no data", List.of(0.0), List.of(0.0));
    }
    return c;
  }
}
