package io.moestream.jobs.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The few calls of Flink's REST API a platform team scripts: upload and run a jar, read a job's
 * state and checkpoints, stop it with a savepoint. Plain HTTP, as {@code curl} would do it.
 */
public final class FlinkRest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;

  FlinkRest(String host, int port) {
    this.base = "http://" + host + ":" + port;
  }

  public JsonNode get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  public JsonNode post(String path, Object body) throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
  }

  /** {@code POST /jars/upload} (multipart, field {@code jarfile}); returns the jar's id. */
  public String uploadJar(Path jar) throws IOException, InterruptedException {
    String boundary = "moe-" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(
        ("--"
                + boundary
                + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                + jar.getFileName()
                + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n")
            .getBytes(StandardCharsets.UTF_8));
    body.writeBytes(Files.readAllBytes(jar));
    body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    JsonNode r =
        send(
            HttpRequest.newBuilder(URI.create(base + "/jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
    String file = r.path("filename").asText();
    return file.substring(file.lastIndexOf('/') + 1);
  }

  /** {@code POST /jars/:id/run}; returns the job id. */
  public String run(String jarId, String entryClass, List<String> args, int parallelism)
      throws IOException, InterruptedException {
    JsonNode r =
        post(
            "/jars/" + jarId + "/run",
            Map.of("entryClass", entryClass, "programArgsList", args, "parallelism", parallelism));
    return r.path("jobid").asText();
  }

  public String jobState(String jobId) throws IOException, InterruptedException {
    return get("/jobs/" + jobId).path("state").asText();
  }

  /** True once every task of the job runs (a restarted job is RUNNING before its tasks are). */
  public boolean allTasksRunning(String jobId) throws IOException, InterruptedException {
    JsonNode job = get("/jobs/" + jobId);
    if (!"RUNNING".equals(job.path("state").asText())) {
      return false;
    }
    for (JsonNode v : job.path("vertices")) {
      if (!"RUNNING".equals(v.path("status").asText())) {
        return false;
      }
    }
    return true;
  }

  public JsonNode checkpointCounts(String jobId) throws IOException, InterruptedException {
    return get("/jobs/" + jobId + "/checkpoints").path("counts");
  }

  /** {@code POST /jobs/:id/stop} and waits for the savepoint; returns its location. */
  public String stopWithSavepoint(String jobId, Path target, Duration timeout) throws Exception {
    JsonNode trigger =
        post(
            "/jobs/" + jobId + "/stop",
            Map.of("targetDirectory", target.toUri().toString(), "drain", false));
    String request = trigger.path("request-id").asText();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode s = get("/jobs/" + jobId + "/savepoints/" + request);
      if ("COMPLETED".equals(s.path("status").path("id").asText())) {
        JsonNode op = s.path("operation");
        if (op.has("failure-cause")) {
          throw new IllegalStateException("stop-with-savepoint failed: " + op);
        }
        return op.path("location").asText();
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("no savepoint of " + jobId + " within " + timeout);
  }

  private JsonNode send(HttpRequest.Builder request) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IOException(r.request().uri() + " answered " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body());
  }
}
