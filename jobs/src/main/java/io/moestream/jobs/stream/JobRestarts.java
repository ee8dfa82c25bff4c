package io.moestream.jobs.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.apache.flink.api.common.JobID;

/**
 * How often a job restarted, from Flink's REST API: the job's {@code numRestarts} metric. The
 * JobManager refreshes metrics for the REST API every few seconds, so a job that just started may
 * not report it yet: {@link #now()} is then -1.
 */
final class JobRestarts {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI metric;

  JobRestarts(int restPort, JobID job) {
    metric =
        URI.create("http://127.0.0.1:" + restPort + "/jobs/" + job + "/metrics?get=numRestarts");
  }

  /** The restarts so far, or -1 if the REST API does not report them (yet). */
  long now() {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(metric).timeout(Duration.ofSeconds(10)).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        return -1;
      }
      for (JsonNode m : JSON.readTree(r.body())) {
        if ("numRestarts".equals(m.path("id").asText())) {
          return Long.parseLong(m.path("value").asText());
        }
      }
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    } catch (Exception e) {
      return -1;
    }
  }

  /** Waits up to {@code limit} for a reported value; -1 if none came. */
  long await(Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    long n = now();
    while (n < 0 && System.nanoTime() < deadline) {
      Thread.sleep(1000);
      n = now();
    }
    return n;
  }
}
