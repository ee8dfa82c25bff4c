package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.CliRun;
import io.moestream.jobs.cli.TopicNames;
import io.moestream.jobs.kafka.EmbeddedKafkaBroker;
import io.moestream.schemas.TokenSequence;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} with secret Kafka settings, one from {@code --kafka-config}, one from {@code
 * --kafka-property} (settings the PLAINTEXT test broker ignores): the secrets appear in no line the
 * process logs or prints and in no configuration its REST API shows, and every port its embedded
 * Flink opens listens on loopback only.
 *
 * <p>The input is written in a transaction left open until the REST answers are read: the job reads
 * committed records only, so it cannot finish (and its REST endpoint cannot go) before then,
 * however slow the machine; committing lets the bounded run train and end.
 */
class SecretExposureITCase {
  private static final String FILE_SECRET = "s3cr3t-FILE-4711";
  private static final String CLI_SECRET = "s3cr3t-CLI-0815";

  @TempDir Path tmp;

  @Test
  void secretKafkaSettingsAppearNowhereAndFlinkListensOnLoopbackOnly() throws Exception {
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    Map<String, String> rest = new LinkedHashMap<>();
    Set<String> listeners = new TreeSet<>();
    CliRun run;
    try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start(tmp.resolve("kafka"))) {
      String servers = kafka.bootstrapServers();
      kafka.createTopics(TopicNames.defaults(), 2);
      KafkaProducer<byte[], byte[]> producer = heldInput(servers);
      Path clientConfig = tmp.resolve("client.properties");
      Files.writeString(
          clientConfig,
          "ssl.key.password=" + FILE_SECRET + "\nssl.keystore.password=" + FILE_SECRET + "\n");
      String jaas =
          "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required"
              + " username=\"moe\" password=\""
              + CLI_SECRET
              + "\";";
      System.setOut(new PrintStream(new Tee(stdout, captured), true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(new Tee(stderr, captured), true, StandardCharsets.UTF_8));
      ExecutorService thread = Executors.newSingleThreadExecutor();
      try {
        CompletableFuture<CliRun> train =
            CompletableFuture.supplyAsync(
                () ->
                    CliRun.of(
                        StreamFixtures.withSmallModel(
                            "train",
                            "--bootstrap-servers",
                            servers,
                            "--kafka-config",
                            clientConfig.toString(),
                            "--kafka-property",
                            jaas,
                            "--threads",
                            "1",
                            "--parallelism",
                            "1",
                            "--checkpoint-interval",
                            "1",
                            "--work-dir",
                            tmp.resolve("work").toString(),
                            "--bounded")),
                thread);
        try {
          readWhileRunning(train, rest, listeners);
        } finally {
          // Also when reading failed: the run must be able to end.
          producer.commitTransaction();
          producer.close();
        }
        run = train.join();
      } finally {
        thread.shutdownNow();
        System.setOut(stdout);
        System.setErr(stderr);
      }
    }
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(rest).as("REST answers read while the job ran").containsKey("/jobmanager/config");
    assertThat(rest.keySet()).anyMatch(k -> k.endsWith("/config") && k.startsWith("/jobs/"));
    assertThat(listeners).as("ports the embedded Flink listened on").isNotEmpty();

    String log = captured.toString(StandardCharsets.UTF_8) + run.out() + run.err();
    assertThat(log).as("the process's output").contains("model alpha=");
    for (String secret : List.of(FILE_SECRET, CLI_SECRET)) {
      assertThat(log).as("the process's output").doesNotContain(secret);
      rest.forEach((path, body) -> assertThat(body).as(path).doesNotContain(secret));
    }
    assertThat(listeners)
        .as("every listening socket of this JVM is bound to loopback")
        .allMatch(l -> l.startsWith("127.0.0.1:") || l.startsWith("[::1]:"), "loopback");
  }

  /**
   * The test's input, sent in a transaction that stays open until the caller commits it (the
   * transaction's timeout is far beyond any test run).
   */
  private static KafkaProducer<byte[], byte[]> heldInput(String servers) {
    Properties p = new Properties();
    p.put("bootstrap.servers", servers);
    p.put("transactional.id", "secret-exposure-input");
    p.put("transaction.timeout.ms", "900000");
    KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    producer.initTransactions();
    producer.beginTransaction();
    for (TokenSequence r : StreamFixtures.drift("alpha", 66 * 60, 0)) {
      producer.send(StreamFixtures.record(r));
    }
    producer.flush();
    return producer;
  }

  /**
   * Finds the REST endpoint (the one listening port of this JVM that answers Flink's {@code
   * /config}), then reads only from it: once a job runs, keeps its configuration answers and the
   * listening sockets of that moment. Gives up (the assertions then fail) if {@code train} ends,
   * which it cannot while its input is held, or after {@value #READ_LIMIT_S} seconds, so a broken
   * endpoint fails the test instead of holding the run forever.
   */
  private static void readWhileRunning(
      CompletableFuture<CliRun> train, Map<String, String> rest, Set<String> listeners)
      throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READ_LIMIT_S);
    int port = -1;
    // Ports that do not speak HTTP (the blob server, RPC) are asked once: the blob server logs an
    // error for every request it cannot parse.
    Set<Integer> notRest = new HashSet<>();
    while (!train.isDone() && port < 0 && System.nanoTime() < deadline) {
      for (String listener : ownListeners()) {
        int candidate = Integer.parseInt(listener.substring(listener.lastIndexOf(':') + 1));
        if (notRest.contains(candidate)) {
          continue;
        }
        try {
          HttpResponse<String> r =
              http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + candidate + "/config"))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 200 && r.body().contains("\"flink-version\"")) {
            port = candidate;
            break;
          }
          // an HTTP answer, but not yet the configuration (a leader election): ask again
        } catch (HttpTimeoutException slow) {
          // maybe the REST endpoint on a busy machine: ask again
        } catch (IOException notHttp) {
          notRest.add(candidate);
        }
      }
      Thread.sleep(200);
    }
    while (port >= 0 && !train.isDone() && System.nanoTime() < deadline) {
      String jobs = get(http, port, "/jobs");
      Matcher running =
          Pattern.compile("\"id\":\"([0-9a-f]{32})\",\"status\":\"RUNNING\"")
              .matcher(jobs == null ? "" : jobs);
      if (running.find()) {
        String jid = running.group(1);
        for (String path :
            List.of(
                "/jobmanager/config",
                "/jobs/" + jid + "/config",
                "/jobs/" + jid + "/jobmanager/config",
                "/jobs/" + jid,
                "/jobs/" + jid + "/plan",
                "/taskmanagers")) {
          String body = get(http, port, path);
          if (body != null) {
            rest.put(path, body);
          }
        }
        listeners.addAll(ownListeners());
        return;
      }
      Thread.sleep(200);
    }
  }

  private static final long READ_LIMIT_S = 300;

  private static String get(HttpClient http, int port, String path) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.body() : null;
    } catch (Exception notHttp) {
      return null;
    }
  }

  /** "address:port" of every TCP socket this JVM listens on (Linux /proc). */
  static List<String> ownListeners() throws Exception {
    Set<String> inodes = new HashSet<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (Exception closed) {
          // the fd closed meanwhile
        }
      }
    }
    List<String> out = new ArrayList<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path p = Path.of(table);
      if (!Files.exists(p)) {
        continue;
      }
      List<String> lines = Files.readAllLines(p);
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.strip().split("\\s+");
        if (f[3].equals("0A") && inodes.contains(f[9])) {
          out.add(address(f[1]));
        }
      }
    }
    return out;
  }

  /** /proc/net's hex "ADDR:PORT" as "a.b.c.d:port", "[::1]:port" or "[hex]:port". */
  private static String address(String hex) {
    String[] parts = hex.split(":");
    int port = Integer.parseInt(parts[1], 16);
    String a = parts[0];
    if (a.length() == 8) {
      return ipv4(a) + ":" + port;
    }
    if (a.equals("00000000000000000000000001000000")) {
      return "[::1]:" + port;
    }
    if (a.startsWith("0000000000000000FFFF0000")) {
      return ipv4(a.substring(24)) + ":" + port;
    }
    return "[" + a + "]:" + port;
  }

  private static String ipv4(String littleEndianHex) {
    StringBuilder s = new StringBuilder();
    for (int i = 6; i >= 0; i -= 2) {
      s.append(Integer.parseInt(littleEndianHex.substring(i, i + 2), 16));
      if (i > 0) {
        s.append('.');
      }
    }
    return s.toString();
  }

  /** Writes to the original stream and keeps a copy. */
  private static final class Tee extends OutputStream {
    private final OutputStream original;
    private final ByteArrayOutputStream copy;

    Tee(OutputStream original, ByteArrayOutputStream copy) {
      this.original = original;
      this.copy = copy;
    }

    @Override
    public void write(int b) {
      synchronized (copy) {
        copy.write(b);
      }
      try {
        original.write(b);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) {
      synchronized (copy) {
        copy.write(b, off, len);
      }
      try {
        original.write(b, off, len);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Override
    public void flush() throws java.io.IOException {
      original.flush();
    }
  }
}
