package io.moestream.jobs.stream;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;

/**
 * The Flink configuration this product runs with, spelled out with Flink's own keys so an operator
 * can copy it into {@code config.yaml} of a real cluster: RocksDB with incremental checkpoints,
 * checkpoints retained on cancellation (for {@code --resume}), a bounded max parallelism (the
 * number of key groups a job can ever be rescaled to), and every temporary file under the work
 * directory rather than in {@code /tmp}.
 *
 * @param workDir checkpoints, savepoints and temporary files go below it
 * @param parallelism default parallelism (and task slots of the embedded cluster)
 * @param checkpointInterval how often state and Kafka transactions are committed
 * @param restPort the embedded web UI's port (0 = any free port)
 * @param recoveryPath a savepoint or retained checkpoint to start from, or null
 */
public record FlinkSettings(
    Path workDir, int parallelism, Duration checkpointInterval, int restPort, String recoveryPath) {

  public static final int MAX_PARALLELISM = 128;

  static final String LOOPBACK = "127.0.0.1";

  public Path checkpointDir() {
    return workDir.resolve("checkpoints");
  }

  public Path savepointDir() {
    return workDir.resolve("savepoints");
  }

  public Configuration toConfiguration() {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("state.backend.type", "rocksdb");
    c.put("execution.checkpointing.incremental", "true");
    c.put("execution.checkpointing.interval", checkpointInterval.toMillis() + " ms");
    c.put("execution.checkpointing.dir", checkpointDir().toUri().toString());
    c.put("execution.checkpointing.savepoint-dir", savepointDir().toUri().toString());
    c.put("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
    c.put("execution.checkpointing.num-retained", "2");
    c.put("pipeline.max-parallelism", Integer.toString(MAX_PARALLELISM));
    c.put("parallelism.default", Integer.toString(parallelism));
    c.put("taskmanager.numberOfTaskSlots", Integer.toString(parallelism));
    c.put("io.tmp.dirs", workDir.resolve("tmp").toString());
    // The embedded cluster serves this machine only: every service it opens (web UI and REST, RPC
    // of JobManager and TaskManager, blob server, data exchange, metric queries) listens on
    // loopback, so nothing on the network can submit jobs, read the configuration or state.
    c.put("rest.bind-address", LOOPBACK);
    c.put("rest.address", LOOPBACK);
    c.put("rest.port", Integer.toString(restPort));
    c.put("jobmanager.rpc.address", LOOPBACK);
    c.put("jobmanager.bind-host", LOOPBACK);
    c.put("taskmanager.host", LOOPBACK);
    c.put("taskmanager.bind-host", LOOPBACK);
    // libtorch allocates outside the JVM heap; Flink must leave room for it (DESIGN §5).
    c.put("taskmanager.memory.task.off-heap.size", "1g");
    c.put("restart-strategy.type", "fixed-delay");
    c.put("restart-strategy.fixed-delay.attempts", "3");
    c.put("restart-strategy.fixed-delay.delay", "1 s");
    if (recoveryPath != null) {
      c.put("execution.state-recovery.path", recoveryPath);
    }
    return Configuration.fromMap(c);
  }

  /** The reporter's name in Flink's keys: {@code metrics.reporter.prom.*}. */
  static final String PROMETHEUS_REPORTER = "prom";

  /**
   * The reporter's factory by name, not by class: the job jar leaves the reporter out (a cluster
   * loads it as a plugin), so a class reference here would fail under {@code flink run}.
   */
  static final String PROMETHEUS_FACTORY =
      "org.apache.flink.metrics.prometheus.PrometheusReporterFactory";

  /**
   * {@code conf} with Flink's Prometheus reporter ({@code flink-metrics-prometheus}) serving {@code
   * /metrics} on {@code ports} (a port or a range, Flink's syntax), or {@code conf} unchanged when
   * {@code ports} is null. Flink's own keys, so the same two lines serve a real cluster's {@code
   * config.yaml} (docker/flink-conf.yaml). The reporter binds every interface: Flink 2.2 has no
   * setting for its address, which is why it is off unless asked for.
   */
  public static Configuration withPrometheusReporter(Configuration conf, String ports) {
    if (ports != null) {
      String prefix = "metrics.reporter." + PROMETHEUS_REPORTER + ".";
      conf.setString(prefix + "factory.class", PROMETHEUS_FACTORY);
      conf.setString(prefix + "port", ports);
    }
    return conf;
  }
}
