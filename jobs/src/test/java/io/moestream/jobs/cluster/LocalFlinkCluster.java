package io.moestream.jobs.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A Flink standalone session cluster as separate processes on loopback, built from the Maven
 * Central jars the build copies to {@code target/flink-lib} (a distribution's {@code lib/}) plus
 * {@code target/djl-lib} (DJL on the cluster class path, parent-first): one JobManager ({@code
 * StandaloneSessionClusterEntrypoint}) and TaskManagers ({@code TaskManagerRunner}), each with the
 * memory parameters Flink's scripts compute with {@code BashJavaUtils}.
 */
public final class LocalFlinkCluster implements AutoCloseable {
  static final String JM_ENTRY =
      "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
  static final String TM_ENTRY = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
  static final String BASH_JAVA_UTILS = "org.apache.flink.runtime.util.bash.BashJavaUtils";
  private static final String RESULT_PREFIX = "BASH_JAVA_UTILS_EXEC_RESULT:";
  private static final String LOOPBACK = "127.0.0.1";

  private final Path dir;
  private final Path conf;
  private final List<Path> classpath;
  private final List<String> systemProperties;
  private final int restPort;
  private FlinkProcess jobManager;
  private final List<FlinkProcess> taskManagers = new ArrayList<>();

  private LocalFlinkCluster(Path dir, List<Path> classpath, List<String> props, int restPort) {
    this.dir = dir;
    this.conf = dir.resolve("conf");
    this.classpath = classpath;
    this.systemProperties = props;
    this.restPort = restPort;
  }

  /**
   * Writes {@code conf/config.yaml} under {@code dir} and starts the JobManager and {@code
   * taskManagers} TaskManagers; returns once every TaskManager has registered.
   *
   * @param libs folders whose jars make the cluster's class path
   * @param settings extra Flink settings (override the defaults here)
   * @param systemProperties {@code -D} options of every cluster JVM
   */
  public static LocalFlinkCluster start(
      Path dir,
      List<Path> libs,
      int taskManagers,
      Map<String, String> settings,
      List<String> systemProperties)
      throws Exception {
    int restPort = freePort();
    LocalFlinkCluster c = new LocalFlinkCluster(dir, jars(libs), systemProperties, restPort);
    try {
      c.writeConfig(settings);
      c.startJobManager();
      for (int i = 1; i <= taskManagers; i++) {
        c.startTaskManager("taskmanager-" + i);
      }
      c.awaitTaskManagers(taskManagers, Duration.ofSeconds(120));
      return c;
    } catch (Exception | Error e) {
      c.close();
      throw e;
    }
  }

  public FlinkRest rest() {
    return new FlinkRest(LOOPBACK, restPort);
  }

  public int restPort() {
    return restPort;
  }

  public List<FlinkProcess> taskManagers() {
    return List.copyOf(taskManagers);
  }

  public FlinkProcess jobManager() {
    return jobManager;
  }

  /** Every process this cluster started, alive or not (the test checks none is left). */
  public List<FlinkProcess> processes() {
    List<FlinkProcess> all = new ArrayList<>(taskManagers);
    if (jobManager != null) {
      all.add(jobManager);
    }
    return all;
  }

  private void writeConfig(Map<String, String> settings) throws IOException {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("jobmanager.rpc.address", LOOPBACK);
    c.put("jobmanager.rpc.port", Integer.toString(freePort()));
    c.put("jobmanager.bind-host", LOOPBACK);
    c.put("jobmanager.memory.process.size", "1g");
    c.put("rest.address", LOOPBACK);
    c.put("rest.bind-address", LOOPBACK);
    c.put("rest.port", Integer.toString(restPort));
    c.put("taskmanager.host", LOOPBACK);
    c.put("taskmanager.bind-host", LOOPBACK);
    c.put("taskmanager.numberOfTaskSlots", "2");
    c.put("taskmanager.memory.process.size", "2560m");
    c.put("taskmanager.memory.managed.size", "256m");
    // libtorch's memory is outside the heap and outside Flink's accounting (README "Deploy").
    c.put("taskmanager.memory.task.off-heap.size", "768m");
    c.put("classloader.parent-first-patterns.additional", "ai.djl.");
    c.put("cluster.evenly-spread-out-slots", "true");
    // A lost TaskManager is noticed in seconds, not after the default 50 s.
    c.put("heartbeat.interval", "2000");
    c.put("heartbeat.timeout", "10000");
    c.put("restart-strategy.type", "fixed-delay");
    c.put("restart-strategy.fixed-delay.attempts", "20");
    c.put("restart-strategy.fixed-delay.delay", "2 s");
    c.put("state.backend.type", "rocksdb");
    c.put("io.tmp.dirs", dir.resolve("tmp").toString());
    c.put("web.tmpdir", dir.resolve("web").toString());
    c.put("blob.storage.directory", dir.resolve("blobs").toString());
    c.putAll(settings);
    Files.createDirectories(conf);
    for (String d : List.of("tmp", "web", "blobs")) {
      Files.createDirectories(dir.resolve(d));
    }
    StringBuilder yaml = new StringBuilder();
    c.forEach((k, v) -> yaml.append(k).append(": ").append(v).append('\n'));
    Files.writeString(conf.resolve("config.yaml"), yaml.toString());
  }

  private void startJobManager() throws Exception {
    Params p = resourceParams("GET_JM_RESOURCE_PARAMS", "jm-params");
    jobManager =
        FlinkProcess.start(
            "jobmanager", classpath, jvmOptions(p.jvm()), JM_ENTRY, args(p), dir.resolve("log"));
  }

  private void startTaskManager(String name) throws Exception {
    Params p = resourceParams("GET_TM_RESOURCE_PARAMS", name + "-params");
    List<String> args = new ArrayList<>(args(p));
    args.addAll(List.of("-D", "taskmanager.resource-id=" + name));
    taskManagers.add(
        FlinkProcess.start(
            name, classpath, jvmOptions(p.jvm()), TM_ENTRY, args, dir.resolve("log")));
  }

  /** The JVM options and dynamic settings Flink's scripts get from BashJavaUtils. */
  private record Params(List<String> jvm, List<String> dynamic) {}

  private Params resourceParams(String command, String logName) throws Exception {
    FlinkProcess tool =
        FlinkProcess.start(
            logName,
            classpath,
            List.of("-Xmx128m"),
            BASH_JAVA_UTILS,
            List.of(command, "--configDir", conf.toString()),
            dir.resolve("log"));
    int exit = tool.waitFor(60);
    List<String> results =
        tool.logText()
            .lines()
            .filter(l -> l.startsWith(RESULT_PREFIX))
            .map(l -> l.substring(RESULT_PREFIX.length()).trim())
            .toList();
    if (exit != 0 || results.size() < 2) {
      throw new IllegalStateException(
          "BashJavaUtils " + command + " failed (exit " + exit + "): " + tool.logText());
    }
    String dynamic = results.get(results.size() - 1);
    String jvm = results.get(results.size() - 2);
    return new Params(split(jvm), split(dynamic));
  }

  private List<String> jvmOptions(List<String> memory) {
    List<String> out = new ArrayList<>(memory);
    out.addAll(FlinkProcess.JDK17_OPENS);
    out.addAll(systemProperties);
    return out;
  }

  private List<String> args(Params p) {
    List<String> out = new ArrayList<>(List.of("--configDir", conf.toString()));
    out.addAll(p.dynamic());
    return out;
  }

  private void awaitTaskManagers(int n, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    FlinkRest rest = rest();
    while (System.nanoTime() < deadline) {
      for (FlinkProcess p : processes()) {
        if (!p.isAlive()) {
          throw new IllegalStateException(p.name() + " exited at start: " + tail(p));
        }
      }
      try {
        JsonNode tms = rest.get("/taskmanagers").path("taskmanagers");
        if (tms.size() >= n) {
          return;
        }
      } catch (IOException notYet) {
        // The REST endpoint is not up yet.
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException(
        n + " TaskManagers did not register within " + timeout + "; " + tail(jobManager));
  }

  public static String tail(FlinkProcess p) {
    List<String> lines = p.logText().lines().toList();
    return p.name()
        + " log:\n"
        + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  /** TaskManagers first (as stop-cluster.sh does), then the JobManager; each SIGTERM, then KILL. */
  @Override
  public void close() throws InterruptedException {
    for (FlinkProcess tm : taskManagers) {
      tm.close();
    }
    if (jobManager != null) {
      jobManager.close();
    }
  }

  private static List<String> split(String line) {
    return Arrays.stream(line.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
  }

  private static List<Path> jars(List<Path> libs) {
    List<Path> out = new ArrayList<>();
    for (Path lib : libs) {
      if (!Files.isDirectory(lib)) {
        throw new IllegalStateException(lib + " is missing; build with `mvn -pl jobs -am package`");
      }
      try (Stream<Path> s = Files.list(lib)) {
        s.filter(f -> f.toString().endsWith(".jar")).sorted().forEach(out::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
      return s.getLocalPort();
    }
  }
}
