package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.CliRun;
import io.moestream.jobs.MetricsTable;
import io.moestream.jobs.kafka.ClassBroker;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --metrics-port} as an operator watches it: a bounded run with the CLI's default
 * model flags serves Flink's Prometheus reporter, a real Prometheus (Debian's package) scrapes it
 * every second, and the loss and token-rate series are read back through Prometheus's HTTP API. The
 * reporter's own endpoint is scraped too: its metric names must be exactly the README's table (no
 * row the job does not expose, no registered metric without a row). Without {@code
 * /usr/bin/prometheus} the Prometheus test is skipped (reported as such) and the direct scrape
 * still runs. One training run serves every test; it writes target/metrics-scrape.txt and, with
 * Prometheus, target/metrics-dashboard.png (the README's picture, copied to docs/).
 */
class PrometheusMetricsITCase {
  @RegisterExtension static final ClassBroker broker = new ClassBroker(2);
  @TempDir static Path tmp;

  static final String LOSS = "flink_taskmanager_job_task_operator_model_prequentialLoss";
  static final String TOKEN_RATE = "flink_taskmanager_job_task_operator_model_tokensPerSecond";
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})?\\s+(\\S+)");
  private static final Path TARGET = Path.of("target");

  /** What one training run left: scrapes of the reporter and Prometheus's view of the run. */
  private record Run(
      String lastScrape,
      Set<String> scrapedNames,
      List<Double> scrapedLoss,
      List<Double> scrapedRate,
      PrometheusView prometheus) {}

  private record PrometheusView(
      Map<Map<String, String>, List<double[]>> loss,
      Map<Map<String, String>, List<double[]>> rate) {}

  private static Run run;

  @Test
  void theReporterExposesExactlyTheReadmeTable() throws Exception {
    Run r = run();
    List<String> table = MetricsTable.names();
    assertThat(table).as("README Metrics table").isNotEmpty().doesNotHaveDuplicates();
    assertThat(r.scrapedNames()).as("scraped from the running job").containsAll(table);
    // Every metric the operators register has a row, under the name Prometheus shows.
    for (String registered : MetricsTable.registeredInCode()) {
      assertThat(table)
          .as("README row for the registered metric %s", registered)
          .anyMatch(row -> row.endsWith("_" + registered));
    }
    // And every product metric the scrape shows (the operators' groups) has a row.
    Set<String> product = new TreeSet<>();
    for (String name : r.scrapedNames()) {
      if (MetricsTable.isOperatorMetric(name)) {
        product.add(name);
      }
    }
    assertThat(product).as("operator metrics scraped").hasSizeGreaterThan(10);
    assertThat(table).containsAll(product);
  }

  /** The fallback path, run always: the reporter's own endpoint carries sane values. */
  @Test
  void theReporterServesAFiniteLossAndAPositiveTokenRate() throws Exception {
    Run r = run();
    List<Double> loss = r.scrapedLoss().stream().filter(Double::isFinite).toList();
    assertThat(loss).as("finite prequential losses scraped").isNotEmpty();
    // Bytes (259 symbols): ln 259 = 5.56 nats for a uniform guess; a trained model does better.
    assertThat(loss).allSatisfy(v -> assertThat(v).isBetween(0.0, 8.0));
    assertThat(r.scrapedRate().stream().mapToDouble(Double::doubleValue).max().orElse(0))
        .as("tokens/s")
        .isPositive();
  }

  @Test
  void prometheusScrapesTheLossAndTokenRateSeries() throws Exception {
    Assumptions.assumeTrue(
        PrometheusServer.installed(),
        PrometheusServer.BINARY + " is not installed (Debian package prometheus): skipped");
    PrometheusView p = run().prometheus();
    assertThat(p.loss().keySet())
        .as("one loss series per model")
        .extracting(l -> l.get("model"))
        .containsExactlyInAnyOrder("alpha", "beta");
    for (Map.Entry<Map<String, String>, List<double[]>> s : p.loss().entrySet()) {
      List<Double> finite = s.getValue().stream().map(v -> v[1]).filter(Double::isFinite).toList();
      assertThat(finite).as("finite loss values of %s", s.getKey()).hasSizeGreaterThan(1);
      assertThat(finite).allSatisfy(v -> assertThat(v).isBetween(0.0, 8.0));
    }
    for (Map.Entry<Map<String, String>, List<double[]>> s : p.rate().entrySet()) {
      double max =
          s.getValue().stream().mapToDouble(v -> v[1]).filter(Double::isFinite).max().orElse(0);
      assertThat(max).as("tokens/s of %s", s.getKey()).isPositive();
    }
    assertThat(p.rate()).hasSize(2);
  }

  private static synchronized Run run() throws Exception {
    if (run != null) {
      return run;
    }
    CliRun produced = CliRun.produce(broker.bootstrapServers(), 20_000, "alpha", "beta");
    assertThat(produced.exit()).as(produced.err()).isZero();
    int port = PrometheusServer.freePort();
    PrometheusServer prometheus = null;
    if (PrometheusServer.installed()) {
      prometheus = PrometheusServer.start(tmp.resolve("prometheus"), port);
    } else {
      System.out.println(
          "PrometheusMetricsITCase: "
              + PrometheusServer.BINARY
              + " is not installed; scraping the reporter at 127.0.0.1:"
              + port
              + " directly (the Prometheus test is skipped)");
    }
    try {
      Instant start = Instant.now();
      // The CLI's default model flags; only resources and the checkpoint interval are set, so the
      // run checkpoints (checkpoint metrics) within its minute or so.
      CompletableFuture<CliRun> trained =
          CompletableFuture.supplyAsync(
              () ->
                  CliRun.trainBounded(
                      broker.bootstrapServers(),
                      tmp.resolve("run"),
                      "--threads",
                      "1",
                      "--checkpoint-interval",
                      "2",
                      "--metrics-port",
                      Integer.toString(port)));
      Set<String> names = new TreeSet<>();
      List<Double> loss = new ArrayList<>();
      List<Double> rate = new ArrayList<>();
      String last = "";
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      // A bounded run of 20,000 tokens takes about a minute here; ten mean it hangs: fail, not
      // hang.
      long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
      while (!trained.isDone()) {
        assertThat(System.nanoTime())
            .as("train --bounded still running after 10 min")
            .isLessThan(deadline);
        String text = scrape(http, port);
        if (text != null && text.contains(LOSS)) {
          last = text;
          for (String line : text.lines().toList()) {
            Matcher m = SAMPLE.matcher(line);
            if (!line.startsWith("#") && m.find()) {
              names.add(m.group(1));
              if (m.group(1).equals(LOSS)) {
                loss.add(value(m.group(3)));
              } else if (m.group(1).equals(TOKEN_RATE)) {
                rate.add(value(m.group(3)));
              }
            }
          }
        }
        Thread.sleep(1000);
      }
      CliRun t = trained.join();
      assertThat(t.exit()).as(t.err()).isZero();
      Files.createDirectories(TARGET);
      Files.writeString(TARGET.resolve("metrics-scrape.txt"), last);
      PrometheusView view = null;
      if (prometheus != null) {
        Instant end = Instant.now();
        view =
            new PrometheusView(
                prometheus.queryRange(LOSS, start, end),
                prometheus.queryRange(TOKEN_RATE, start, end));
        MetricsDashboardPlot.write(prometheus, start, end, TARGET.resolve("metrics-dashboard.png"));
      }
      run = new Run(last, names, loss, rate, view);
      return run;
    } finally {
      if (prometheus != null) {
        prometheus.close();
      }
    }
  }

  private static double value(String s) {
    return switch (s) {
      case "NaN" -> Double.NaN;
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(s);
    };
  }

  /** The reporter's page, or null while it is not serving yet (the job is starting). */
  private static String scrape(HttpClient http, int port) throws InterruptedException {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.body() : null;
    } catch (IOException notYet) {
      return null;
    }
  }
}
