package io.moestream.jobs.stream;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Flink keys of {@link FlinkSettings} that a {@code -D} may not override, and why; every other
 * Flink option may be overridden (memory, restart strategy, checkpoint timeouts, metric reporters,
 * {@code rest.port} of {@code train}...). The rule: a key that a flag of the command sets belongs
 * to that flag (two ways to set one thing would disagree silently, and the command reads its flag,
 * not Flink's key, e.g. to find checkpoints for {@code --resume}); and a key the product depends on
 * is fixed. See docs/decisions.md, "Fail fast, say why".
 */
final class ReservedFlinkKeys {
  private ReservedFlinkKeys() {}

  /**
   * What every command that starts Flink keeps, whatever -D says; a key ending in '.' reserves
   * every key under it.
   */
  static Map<String, String> fixed() {
    Map<String, String> m = new LinkedHashMap<>();
    String loopback =
        "the embedded cluster listens on loopback only (its REST API runs any job submitted to"
            + " it); to serve other machines, submit the job to a Flink cluster with flink run";
    for (String k :
        new String[] {
          "rest.bind-address",
          "rest.address",
          "jobmanager.rpc.address",
          "jobmanager.bind-host",
          "taskmanager.host",
          "taskmanager.bind-host"
        }) {
      m.put(k, loopback);
    }
    m.put(
        "state.backend.type",
        "the job keeps its models in RocksDB, which --resume, snapshot list/export and infer read");
    m.put(
        "taskmanager.numberOfTaskSlots",
        "set by --parallelism (fewer slots than the parallelism leaves the job waiting for slots)");
    m.put(
        "pipeline.max-parallelism",
        "savepoints restore only at the max parallelism they were taken with (README \"Deploy\")");
    m.put(
        "execution.checkpointing.externalized-checkpoint-retention",
        "--resume restarts from the checkpoints this keeps after the job ends");
    m.put(
        "metrics.reporter.prom.",
        "the reporter named prom is set by --metrics-port; configure another reporter under"
            + " another name (metrics.reporter.NAME.*)");
    String workDir = "set by --work-dir (checkpoints, savepoints and temp files go below it)";
    m.put("execution.checkpointing.dir", workDir);
    m.put("execution.checkpointing.savepoint-dir", workDir);
    m.put("io.tmp.dirs", workDir);
    return m;
  }

  /** {@code train}: its flags own parallelism, checkpoint interval and the state to start from. */
  static Map<String, String> train() {
    Map<String, String> m = fixed();
    m.put("parallelism.default", "set by --parallelism");
    m.put("execution.checkpointing.interval", "set by --checkpoint-interval");
    m.put("execution.state-recovery.path", "set by --resume and --from-savepoint");
    return m;
  }

  /**
   * The demo and benchmarks: they choose the web UI's port and read their job's REST API there, and
   * start fresh every time.
   */
  static Map<String, String> embedded() {
    Map<String, String> m = fixed();
    m.put("rest.port", "the command picks a free port and reads the job's REST API there");
    m.put("execution.state-recovery.path", "the command starts from scratch every time");
    return m;
  }

  /** {@code bench pipeline} and {@code bench soak}: also {@code --checkpoint-interval}. */
  static Map<String, String> bench() {
    Map<String, String> m = embedded();
    m.put("execution.checkpointing.interval", "set by --checkpoint-interval");
    return m;
  }
}
