package io.moestream.jobs.drift;

import io.moestream.jobs.cli.Format;
import io.moestream.moe.train.GateView;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * DynMoE's routing internals, one panel per layer, from its first seed (slots are not comparable
 * across seeds: which slot a spawn takes depends on the run): (d) expert activation frequency over
 * the stream, (e) the learned thresholds sigmoid(G) at the end, (f) the cosine similarity of the
 * active gate columns at the end — the DynMoE paper's Figures 6, 18 and 17.
 */
final class DriftGatePlots {
  /** Step buckets of the activation heat map. */
  static final int BUCKETS = 32;

  private static final int PANEL_HEIGHT = 420;

  private DriftGatePlots() {}

  /** sigmoid of each raw threshold G: the score a token needs to reach that expert. */
  static double[] sigmoid(double[] g) {
    double[] out = new double[g.length];
    for (int i = 0; i < g.length; i++) {
      out[i] = 1 / (1 + Math.exp(-g[i]));
    }
    return out;
  }

  /**
   * Keeps a heat-map value inside [-1, 1) : XChart 3.8.8 indexes past its colour array for a value
   * equal to the range's max (a cosine of 1 on the diagonal, a slot taking every token).
   */
  private static double cell(double v) {
    return Math.max(-1, Math.min(v, 1 - 1e-9));
  }

  /** The three panels of {@code dyn}, file names starting with {@code prefix}. */
  static List<String> write(DriftRun dyn, Path dir, String prefix) throws IOException {
    List<HeatMapChart> freq = new ArrayList<>();
    List<CategoryChart> thresholds = new ArrayList<>();
    List<HeatMapChart> cosine = new ArrayList<>();
    for (int l = 0; l < dyn.layers(); l++) {
      freq.add(frequency(dyn, l));
      thresholds.add(thresholds(dyn.gates().get(l), dyn.seed()));
      cosine.add(cosine(dyn.gates().get(l), dyn.seed()));
    }
    return List.of(
        DriftCharts.saveColumn(freq, dir, prefix + "dynmoe-activation.png"),
        DriftCharts.saveColumn(thresholds, dir, prefix + "dynmoe-thresholds.png"),
        DriftCharts.saveColumn(cosine, dir, prefix + "dynmoe-gate-cosine.png"));
  }

  /**
   * Share of the bucket's tokens each slot processed (a token routed to k slots counts k times).
   */
  private static HeatMapChart frequency(DriftRun run, int layer) {
    int steps = run.steps();
    int size = Math.max(1, (steps + BUCKETS - 1) / BUCKETS);
    int buckets = (steps + size - 1) / size;
    int slots = run.model().router().maxExperts();
    List<Integer> xs = new ArrayList<>();
    List<Integer> ys = new ArrayList<>();
    List<Number[]> cells = new ArrayList<>();
    for (int s = 0; s < slots; s++) {
      ys.add(s);
    }
    for (int b = 0; b < buckets; b++) {
      xs.add(b * size);
      long tokens = 0;
      long[] per = new long[slots];
      for (int i = b * size; i < Math.min(steps, (b + 1) * size); i++) {
        tokens += run.tokens()[i];
        long[] e = run.expertTokens()[i][layer];
        for (int s = 0; s < Math.min(slots, e.length); s++) {
          per[s] += e[s];
        }
      }
      for (int s = 0; s < slots; s++) {
        cells.add(new Number[] {b, s, cell(tokens == 0 ? 0.0 : (double) per[s] / tokens)});
      }
    }
    HeatMapChart c =
        new HeatMapChartBuilder()
            .width(DriftCharts.WIDTH)
            .height(PANEL_HEIGHT)
            .title(
                "DynMoE layer "
                    + layer
                    + ": share of tokens per expert slot (seed "
                    + run.seed()
                    + "; switches at steps "
                    + Format.ints(run.switchSteps(), ", ")
                    + ")")
            .xAxisTitle("first step of bucket (" + size + " steps each)")
            .yAxisTitle("expert slot")
            .build();
    c.getStyler().setMin(0).setMax(1);
    c.getStyler().setRangeColors(new Color[] {Color.WHITE, new Color(255, 190, 80), Color.RED});
    c.getStyler().setXAxisLabelRotation(90);
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    c.addSeries("share of tokens", xs, ys, cells);
    return c;
  }

  private static CategoryChart thresholds(GateView g, long seed) {
    double[] sig = sigmoid(g.thresholds());
    List<Integer> slots = new ArrayList<>();
    List<Double> active = new ArrayList<>();
    List<Double> inactive = new ArrayList<>();
    for (int s = 0; s < sig.length; s++) {
      slots.add(s);
      active.add(g.active()[s] ? sig[s] : 0.0);
      inactive.add(g.active()[s] ? 0.0 : sig[s]);
    }
    CategoryChart c =
        new CategoryChartBuilder()
            .width(DriftCharts.WIDTH)
            .height(PANEL_HEIGHT)
            .title(
                "DynMoE layer "
                    + g.layer()
                    + ": learned threshold sigmoid(G) per slot at the end (seed "
                    + seed
                    + ")")
            .xAxisTitle("expert slot")
            .yAxisTitle("sigmoid(G)")
            .build();
    c.getStyler().setStacked(true);
    c.getStyler().setYAxisMin(0.0);
    c.getStyler().setYAxisMax(1.0);
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    c.addSeries("active slot", slots, active).setFillColor(new Color(40, 110, 200));
    c.addSeries("inactive slot", slots, inactive).setFillColor(new Color(190, 190, 190));
    return c;
  }

  private static HeatMapChart cosine(GateView g, long seed) {
    List<Integer> slots = new ArrayList<>();
    for (int s = 0; s < g.active().length; s++) {
      if (g.active()[s]) {
        slots.add(s);
      }
    }
    List<Number[]> cells = new ArrayList<>();
    for (int i = 0; i < slots.size(); i++) {
      for (int j = 0; j < slots.size(); j++) {
        cells.add(new Number[] {i, j, cell(g.cosine(slots.get(i), slots.get(j)))});
      }
    }
    HeatMapChart c =
        new HeatMapChartBuilder()
            .width(DriftCharts.WIDTH)
            .height(PANEL_HEIGHT)
            .title(
                "DynMoE layer "
                    + g.layer()
                    + ": cosine similarity of active gate columns at the end (seed "
                    + seed
                    + ")")
            .xAxisTitle("expert slot")
            .yAxisTitle("expert slot")
            .build();
    c.getStyler().setMin(-1).setMax(1);
    c.getStyler()
        .setRangeColors(new Color[] {new Color(40, 90, 200), Color.WHITE, new Color(210, 50, 40)});
    c.getStyler().setShowValue(slots.size() <= 12);
    c.getStyler().setHeatMapValueDecimalPattern("0.00");
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    c.addSeries("cosine", slots, slots, cells);
    return c;
  }
}
