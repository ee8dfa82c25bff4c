package io.moestream.jobs.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (Debian's {@code prometheus} package) for a test: a generated config
 * that scrapes one target every second, on loopback and a free port, its TSDB in a directory of the
 * test; stopped by its process handle (its PID) when closed.
 */
final class PrometheusServer implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/bin/prometheus");

  private final Process process;
  private final String base;
  private final Path log;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private PrometheusServer(Process process, String base, Path log) {
    this.process = process;
    this.base = base;
    this.log = log;
  }

  static boolean installed() {
    return Files.isExecutable(BINARY);
  }

  /** Started and ready, scraping {@code 127.0.0.1:targetPort/metrics} every second. */
  static PrometheusServer start(Path dir, int targetPort) throws Exception {
    Files.createDirectories(dir);
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "global:",
            "  scrape_interval: 1s",
            "  scrape_timeout: 1s",
            "scrape_configs:",
            "  - job_name: moe-train",
            "    static_configs:",
            "      - targets: ['127.0.0.1:" + targetPort + "']",
            ""));
    int port = freePort();
    Path log = dir.resolve("prometheus.log");
    Process p =
        new ProcessBuilder(
                BINARY.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    PrometheusServer server = new PrometheusServer(p, "http://127.0.0.1:" + port, log);
    // Bounded: a Prometheus that never gets ready fails the test with its log, not a hang.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!server.ready()) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        server.close();
        throw new IllegalStateException("prometheus did not start: " + Files.readString(log));
      }
      Thread.sleep(200);
    }
    return server;
  }

  private boolean ready() {
    try {
      return get("/-/ready").statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * {@code query} over [{@code start}, {@code end}] at one-second steps through the HTTP API
   * ({@code /api/v1/query_range}): each series by its labels, its values in time order (NaN kept).
   */
  Map<Map<String, String>, List<double[]>> queryRange(String query, Instant start, Instant end)
      throws IOException, InterruptedException {
    String path =
        "/api/v1/query_range?query="
            + URLEncoder.encode(query, StandardCharsets.UTF_8)
            + "&start="
            + start.getEpochSecond()
            + "&end="
            + (end.getEpochSecond() + 1)
            + "&step=1";
    HttpResponse<String> r = get(path);
    JsonNode body = new ObjectMapper().readTree(r.body());
    if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
      throw new IllegalStateException("query_range " + query + ": " + r.body());
    }
    Map<Map<String, String>, List<double[]>> out = new LinkedHashMap<>();
    for (JsonNode series : body.path("data").path("result")) {
      Map<String, String> labels = new LinkedHashMap<>();
      series
          .path("metric")
          .fields()
          .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
      List<double[]> points = new ArrayList<>();
      for (JsonNode v : series.path("values")) {
        points.add(new double[] {v.get(0).asDouble(), Double.parseDouble(v.get(1).asText())});
      }
      out.put(labels, points);
    }
    return out;
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build();
    return http.send(req, HttpResponse.BodyHandlers.ofString());
  }

  String log() throws IOException {
    return Files.readString(log);
  }

  /** Stops the server it started (SIGTERM to its PID, then SIGKILL after a bounded wait). */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
