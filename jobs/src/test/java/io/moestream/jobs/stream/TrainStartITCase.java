package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moestream.jobs.CliRun;
import io.moestream.jobs.MoeCli;
import io.moestream.jobs.cli.CliErrors;
import io.moestream.jobs.kafka.ClassBroker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code train} against a real broker: a topic that does not exist stops it before Flink starts,
 * naming the topic and how to create it; a job that starts prints the web UI it actually bound
 * ({@code rest.port=0}) and its job id, and a {@code -D} setting reaches the running job.
 */
class TrainStartITCase {
  @RegisterExtension static final ClassBroker broker = new ClassBroker(2);
  @TempDir Path tmp;

  private static final Pattern STARTED =
      Pattern.compile("Flink web UI: (http://127\\.0\\.0\\.1:(\\d+))  \\(job ([0-9a-f]{32})\\)");
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aMissingTopicStopsTrainBeforeFlinkStartsNamingItAndHowToCreateIt() {
    String servers = broker.bootstrapServers();
    CliRun r =
        CliRun.of(
            "train",
            "--bootstrap-servers",
            servers,
            "--work-dir",
            tmp.resolve("w").toString(),
            "--tokens-topic",
            "no-such-tokens");
    assertThat(r.exit()).as(r.err()).isEqualTo(CliErrors.USAGE);
    assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
    assertThat(r.err().strip())
        .isEqualTo(
            "error: topic no-such-tokens does not exist on "
                + servers
                + " (or this client may not see it); create it first: kafka-topics.sh"
                + " --bootstrap-server "
                + servers
                + " --create --topic no-such-tokens --partitions 2");
    assertThat(r.out()).as("no job started").doesNotContain("Flink web UI");
  }

  @Test
  void aStartedJobPrintsTheWebUiItBoundAndItsJobIdAndRunsWithTheDashDSettings() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = MoeCli.newCommandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int metricsPort = PrometheusServer.freePort();
    // unbounded, with the default model flags: it runs until cancelled
    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(
            () ->
                MoeCli.run(
                    cli,
                    "train",
                    "--bootstrap-servers",
                    broker.bootstrapServers(),
                    "--work-dir",
                    tmp.resolve("w").toString(),
                    "--metrics-port",
                    Integer.toString(metricsPort),
                    "-Dexecution.checkpointing.timeout=7 min"));
    Matcher started = awaitLine(out, exit);
    String ui = started.group(1);
    String job = started.group(3);
    try {
      assertThat(Integer.parseInt(started.group(2)))
          .as("a port actually bound, not 0")
          .isPositive();
      JsonNode status = get(ui + "/jobs/" + job);
      assertThat(status.get("jid").asText()).isEqualTo(job);
      assertThat(status.get("name").asText()).startsWith("moe-stream-");
      // the -D setting is the running job's: Flink reports its checkpoint timeout in ms
      assertThat(get(ui + "/jobs/" + job + "/checkpoints/config").get("timeout").asLong())
          .isEqualTo(Duration.ofMinutes(7).toMillis());
      // the metrics line names the reporter's address, and the reporter serves there
      String metricsUrl = "http://127.0.0.1:" + metricsPort + "/metrics";
      assertThat(out.toString()).contains("Prometheus metrics: " + metricsUrl);
      HttpResponse<String> metrics =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(metricsUrl))
                  .timeout(Duration.ofSeconds(10))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).contains("flink_jobmanager_");
    } finally {
      // cancelled whatever the assertions said: a job left running would starve later ITCases
      HttpResponse<String> cancel =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(ui + "/jobs/" + job + "?mode=cancel"))
                  .method("PATCH", HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(202);
    }
    // a job stopped from outside ends train as a runtime failure, in one line
    assertThat(exit.get(2, TimeUnit.MINUTES)).as(err.toString()).isEqualTo(CliErrors.RUNTIME);
    assertThat(err.toString().strip().lines()).as(err.toString()).hasSize(1);
    assertThat(err.toString()).startsWith("error: ").contains("cancel").doesNotContain("\tat ");
  }

  /** The started line, once train has printed it (or its failure, if it ended first). */
  private static Matcher awaitLine(StringWriter out, CompletableFuture<Integer> exit)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline) {
      Matcher m = STARTED.matcher(out.toString());
      if (m.find()) {
        return m;
      }
      assertThat(exit.isDone()).as("train ended early: %s", out).isFalse();
      Thread.sleep(200);
    }
    throw new AssertionError("no started line within 3 minutes: " + out);
  }

  private static JsonNode get(String url) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }
}
