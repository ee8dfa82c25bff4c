package io.moestream.jobs.stream;

import io.moestream.jobs.cli.FlinkConfigOptions;
import io.moestream.jobs.cli.MetricsOptions;
import io.moestream.jobs.cli.TopicNames;
import io.moestream.jobs.kafka.CorpusProducer;
import io.moestream.jobs.kafka.EmbeddedKafkaBroker;
import io.moestream.jobs.kafka.EventFormat;
import io.moestream.jobs.kafka.TopicReader;
import io.moestream.moe.data.TextCorpus;
import io.moestream.operators.TrainerSettings;
import io.moestream.schemas.ExpertLifecycleEvent;
import io.moestream.schemas.TrainingSummary;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The embedded default: a real Kafka broker (its own JVM) and a Flink MiniCluster with its web UI,
 * the streaming job, and the bundled corpus streamed domain by domain so drift happens. Lifecycle
 * events are printed as a read_committed registry consumer receives them. At the end the job is
 * stopped with a savepoint (committing its last Kafka transactions) and everything is shut down.
 */
public final class StreamingDemo {
  private final TrainerSettings settings;
  private final TextCorpus corpus;
  private final List<String> models;
  private final long maxTokensPerDomain;
  private final Duration duration;
  private final Path workDir;
  private final PrintWriter out;
  private String metricsPorts;
  private String metricsLine;
  private boolean liveLine = true;
  private String lastLine = "";
  private FlinkConfigOptions flinkConfig = FlinkConfigOptions.of(Map.of());

  public StreamingDemo(
      TrainerSettings settings,
      TextCorpus corpus,
      List<String> models,
      long maxTokensPerDomain,
      Duration duration,
      Path workDir,
      PrintWriter out) {
    this.settings = settings;
    this.corpus = corpus;
    this.models = models;
    this.maxTokensPerDomain = maxTokensPerDomain;
    this.duration = duration;
    this.workDir = workDir;
    this.out = out;
  }

  /**
   * Serve the MiniCluster's metrics for Prometheus on {@code ports} ({@code --metrics-port}); null
   * (the default) leaves the reporter off.
   */
  public StreamingDemo withMetrics(MetricsOptions metrics) {
    this.metricsPorts = metrics.reporterPorts();
    this.metricsLine = metrics.startedLine();
    return this;
  }

  /**
   * Whether the progress line is redrawn in place ({@code \r}, for a terminal) or printed once per
   * change on its own line ({@code --no-progress}, for logs and pipes).
   */
  public StreamingDemo withLiveLine(boolean live) {
    this.liveLine = live;
    return this;
  }

  /**
   * Flink settings ({@code -D}) applied over the demo's own, checked as {@code train} checks them
   * when the cluster's configuration is built (the command checks them before the broker starts).
   */
  public StreamingDemo withFlinkConfig(FlinkConfigOptions flinkConfig) {
    this.flinkConfig = flinkConfig;
    return this;
  }

  public void run() throws Exception {
    // Ctrl-C: the JVM's shutdown hooks stop the broker's JVM (EmbeddedKafkaBroker) and the
    // MiniCluster's threads end with this process; say so instead of vanishing mid-line.
    Thread interrupted =
        new Thread(
            () -> {
              out.println();
              out.println(
                  "interrupted: stopping the broker and Flink; checkpoints stay under "
                      + workDir.resolve("flink"));
              out.flush();
            },
            "demo-interrupted");
    Runtime.getRuntime().addShutdownHook(interrupted);
    try {
      runUntilDone();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(interrupted);
      } catch (IllegalStateException shuttingDown) {
        // already running: it prints the line
      }
    }
  }

  private void runUntilDone() throws Exception {
    TopicNames topics = TopicNames.defaults();
    out.println("starting a Kafka broker (KRaft, child JVM) ...");
    out.flush();
    try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start(workDir.resolve("kafka"))) {
      kafka.createTopics(topics, 2);
      out.println(
          "Kafka up at "
              + kafka.bootstrapServers()
              + " in "
              + kafka.startupTime().toMillis()
              + " ms");
      int restPort = freePort();
      FlinkSettings flink =
          new FlinkSettings(workDir.resolve("flink"), 2, Duration.ofSeconds(3), restPort, null);
      Configuration conf = flink.toConfiguration();
      // The source reads the whole stream far ahead of the trainer (a step is ~0.1 s), so the
      // network buffers between them hold minutes of training under load; a checkpoint barrier
      // waits behind them, and the summaries and events it commits with it. Debloating keeps about
      // a second of data in flight, so the topics show what was trained seconds ago and the final
      // savepoint does not wait for a backlog.
      conf.set(TaskManagerOptions.BUFFER_DEBLOAT_ENABLED, true);
      StreamExecutionEnvironment env =
          StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(
              flinkConfig.applyTo(
                  FlinkSettings.withPrometheusReporter(conf, metricsPorts),
                  ReservedFlinkKeys.embedded()));
      KafkaConnectors k =
          new KafkaConnectors(kafka.bootstrapServers(), new Properties(), "moe-demo");
      k.job(topics, "moe-demo", false, settings, 65_536).build(env);
      JobClient job = env.executeAsync(MoeStreamingJob.NAME);
      out.println("Flink web UI: http://127.0.0.1:" + restPort + "  (job " + job.getJobID() + ")");
      if (metricsLine != null) {
        out.println(metricsLine);
      }
      CompletableFuture<CorpusProducer.Summary> produced =
          CompletableFuture.supplyAsync(
              () ->
                  CorpusProducer.produce(
                      kafka.clientProps().producer(),
                      topics.tokens(),
                      models,
                      corpus,
                      512,
                      maxTokensPerDomain,
                      null));
      DemoProgress progress = new DemoProgress(settings, corpus, maxTokensPerDomain, models, out);
      try (TopicReader registry = new TopicReader(kafka.clientProps(), topics.registry(), true);
          TopicReader metrics = new TopicReader(kafka.clientProps(), topics.metrics(), true)) {
        long deadline = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < deadline && !progress.done()) {
          drain(registry, metrics, progress, Duration.ofMillis(200));
        }
        out.println();
        out.println(
            progress.done()
                ? "every token trained; stopping"
                : "--duration reached before the stream ended; stopping (a longer --duration or"
                    + " a smaller --max-tokens-per-domain reaches every domain)");
        String savepoint =
            job.stopWithSavepoint(
                    false, flink.savepointDir().toUri().toString(), SavepointFormatType.CANONICAL)
                .get();
        out.println("final savepoint: " + savepoint);
        while (!(registry.caughtUp() && metrics.caughtUp())) {
          drain(registry, metrics, progress, Duration.ofMillis(500));
        }
      }
      out.println(produced.isDone() ? produced.join().line() : "producer still sending: stopped");
      produced.cancel(true);
      progress.printSummary();
    }
    out.println("broker and Flink stopped");
    out.flush();
  }

  private void drain(
      TopicReader registry, TopicReader metrics, DemoProgress progress, Duration wait)
      throws Exception {
    for (ConsumerRecord<byte[], byte[]> r : registry.poll(wait)) {
      ExpertLifecycleEvent e = ExpertLifecycleEvent.getDecoder().decode(r.value());
      progress.event(e);
      out.println((liveLine ? "\r" : "") + "[registry] " + EventFormat.text(e));
    }
    for (ConsumerRecord<byte[], byte[]> r : metrics.poll(Duration.ofMillis(10))) {
      progress.summary(TrainingSummary.getDecoder().decode(r.value()));
    }
    String line = progress.line();
    if (liveLine) {
      out.print("\r" + line); // redrawn in place on a terminal
    } else if (!line.equals(lastLine)) {
      out.println(line); // a log gets each new state once, not a redraw every 200 ms
    }
    lastLine = line;
    out.flush();
  }

  static int freePort() throws java.io.IOException {
    try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
