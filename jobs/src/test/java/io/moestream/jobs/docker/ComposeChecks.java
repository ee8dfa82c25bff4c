package io.moestream.jobs.docker;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code docker compose up} would trip over, checked on the parsed YAML because no Docker
 * engine runs where the tests do: services and their dependencies, healthchecks, one-shot jobs,
 * image tags against the versions the build uses, ports and volumes that must agree between
 * services. Each check adds a readable problem instead of failing at the first one.
 */
final class ComposeChecks {
  static final List<String> LONG_RUNNING =
      List.of("kafka", "jobmanager", "taskmanager-1", "taskmanager-2", "prometheus", "grafana");
  static final List<String> ONE_SHOT = List.of("create-topics", "submit-job", "producer");
  private static final String LOOPBACK = "127.0.0.1:";
  private static final Pattern HOST_PORT = Pattern.compile("([a-z0-9-]+):(\\d+)");

  private final Map<String, Object> compose;
  private final String kafkaImage;
  private final String flinkVersion;
  private final List<String> problems = new ArrayList<>();

  private ComposeChecks(Map<String, Object> compose, String kafkaImage, String flinkVersion) {
    this.compose = compose;
    this.kafkaImage = kafkaImage;
    this.flinkVersion = flinkVersion;
  }

  /** Every problem of the base compose file; empty when it is consistent. */
  static List<String> of(Map<String, Object> compose, String kafkaImage, String flinkVersion) {
    ComposeChecks c = new ComposeChecks(compose, kafkaImage, flinkVersion);
    c.requiredServices();
    if (c.problems.isEmpty()) {
      c.healthchecks();
      c.dependencies();
      c.images();
      c.kafkaPorts();
      c.flinkPorts();
      c.loopbackPorts();
      c.volumes();
    }
    return c.problems;
  }

  private void requiredServices() {
    for (String name : concat(LONG_RUNNING, ONE_SHOT)) {
      if (!services().containsKey(name)) {
        problems.add("missing service " + name);
      }
    }
  }

  private void healthchecks() {
    for (String name : LONG_RUNNING) {
      Map<String, Object> hc = map(service(name).get("healthcheck"));
      if (hc.isEmpty() || !(hc.get("test") instanceof List<?> test) || test.isEmpty()) {
        problems.add(name + ": no healthcheck test");
        continue;
      }
      for (String key : List.of("interval", "timeout", "retries")) {
        if (!hc.containsKey(key)) {
          problems.add(name + ": healthcheck has no " + key);
        }
      }
    }
    for (String name : ONE_SHOT) {
      if (!"no".equals(String.valueOf(service(name).get("restart")))) {
        problems.add(name + ": a one-shot service must have restart: \"no\"");
      }
    }
  }

  /** Healthy services are waited for as healthy, one-shot ones as completed successfully. */
  private void dependencies() {
    for (Map.Entry<String, Object> s : services().entrySet()) {
      Object deps = map(s.getValue()).get("depends_on");
      if (deps == null) {
        continue;
      }
      if (!(deps instanceof Map<?, ?> conditions)) {
        problems.add(s.getKey() + ": depends_on must name a condition per service");
        continue;
      }
      for (Map.Entry<?, ?> d : conditions.entrySet()) {
        String target = String.valueOf(d.getKey());
        String condition = String.valueOf(map(d.getValue()).get("condition"));
        if (!services().containsKey(target)) {
          problems.add(s.getKey() + ": depends on unknown service " + target);
        } else if (ONE_SHOT.contains(target)) {
          expect(s.getKey() + " -> " + target, "service_completed_successfully", condition);
        } else {
          expect(s.getKey() + " -> " + target, "service_healthy", condition);
          if (!service(target).containsKey("healthcheck")) {
            problems.add(s.getKey() + ": waits for " + target + " to be healthy, it has no check");
          }
        }
      }
    }
  }

  private void images() {
    String moeImage = String.valueOf(service("jobmanager").get("image"));
    if (!moeImage.endsWith("-flink" + flinkVersion + "-java17")) {
      problems.add("job image " + moeImage + " is not tagged for Flink " + flinkVersion);
    }
    for (String name : List.of("taskmanager-1", "taskmanager-2", "submit-job", "producer")) {
      expect(name + " image", moeImage, String.valueOf(service(name).get("image")));
    }
    for (String name : List.of("kafka", "create-topics")) {
      expect(name + " image", kafkaImage, String.valueOf(service(name).get("image")));
    }
    if (!service("jobmanager").containsKey("build")) {
      problems.add("jobmanager: builds the job image, needs build:");
    }
  }

  /** Clients use the advertised in-network listener; the published port is the external one. */
  private void kafkaPorts() {
    Map<String, String> env = strings(service("kafka").get("environment"));
    Map<String, String> listeners = listeners(env.get("KAFKA_LISTENERS"));
    Map<String, String> advertised = listeners(env.get("KAFKA_ADVERTISED_LISTENERS"));
    String internal = env.get("KAFKA_INTER_BROKER_LISTENER_NAME");
    String bootstrap = advertised.get(internal);
    if (bootstrap == null || !bootstrap.endsWith(":" + port(listeners.get(internal)))) {
      problems.add("kafka: listener " + internal + " is not advertised on its own port");
      return;
    }
    String kafkaHost = String.valueOf(service("kafka").get("hostname"));
    if (!bootstrap.startsWith(kafkaHost + ":")) {
      problems.add("kafka: advertised " + bootstrap + " is not its hostname " + kafkaHost);
    }
    for (String name : List.of("kafka", "create-topics", "submit-job", "producer")) {
      String text = String.valueOf(service(name).get("command")) + service(name).get("healthcheck");
      if (!text.contains(bootstrap)) {
        problems.add(name + ": does not use the broker at " + bootstrap);
      }
      for (String used : hostPorts(text, kafkaHost)) {
        expect(name + " bootstrap", bootstrap, used);
      }
    }
    for (Object published : list(service("kafka").get("ports"))) {
      String[] hostAndContainer = String.valueOf(published).split(":");
      String containerPort = hostAndContainer[hostAndContainer.length - 1];
      String name = listenerOnPort(listeners, containerPort);
      if (name == null || !advertised.getOrDefault(name, "").endsWith(":" + containerPort)) {
        problems.add("kafka: published port " + published + " is no advertised listener");
      }
    }
  }

  /** The REST port: published, in the JobManager's config, in every check and the submission. */
  private void flinkPorts() {
    Map<String, String> props = flinkProperties("jobmanager");
    String rest = props.get("rest.port");
    String jmHost = String.valueOf(service("jobmanager").get("hostname"));
    if (!list(service("jobmanager").get("ports")).contains(LOOPBACK + rest + ":" + rest)) {
      problems.add("jobmanager: rest.port " + rest + " is not published");
    }
    expect("jobmanager rpc address", jmHost, props.get("jobmanager.rpc.address"));
    if (!String.valueOf(service("jobmanager").get("healthcheck")).contains("localhost:" + rest)) {
      problems.add("jobmanager: healthcheck does not probe port " + rest);
    }
    for (String tm : List.of("taskmanager-1", "taskmanager-2")) {
      Map<String, String> tmProps = flinkProperties(tm);
      expect(tm + " jobmanager.rpc.address", jmHost, tmProps.get("jobmanager.rpc.address"));
      expect(tm + " resource id", tm, tmProps.get("taskmanager.resource-id"));
      String check = String.valueOf(service(tm).get("healthcheck"));
      if (!check.contains(jmHost + ":" + rest) || !check.contains("\"id\":\"" + tm + "\"")) {
        problems.add(tm + ": healthcheck does not ask the JobManager for " + tm);
      }
    }
    List<Object> submit = list(service("submit-job").get("command"));
    int at = submit.indexOf("--jobmanager");
    if (at < 0 || !String.valueOf(submit.get(at + 1)).equals(jmHost + ":" + rest)) {
      problems.add("submit-job: does not submit to " + jmHost + ":" + rest);
    }
    int entry = submit.indexOf("--class");
    if (entry < 0 || !"io.moestream.jobs.ClusterMain".equals(submit.get(entry + 1))) {
      problems.add("submit-job: entry class must be ClusterMain (MoeCli calls System.exit)");
    }
  }

  /**
   * Every published port listens on the host's loopback only: PLAINTEXT Kafka and Flink's REST API
   * (which accepts job graphs) must not be reachable from the network by default.
   */
  private void loopbackPorts() {
    for (Map.Entry<String, Object> s : services().entrySet()) {
      for (Object published : list(map(s.getValue()).get("ports"))) {
        if (!String.valueOf(published).startsWith(LOOPBACK)) {
          problems.add(s.getKey() + ": port " + published + " is published on every interface");
        }
      }
    }
  }

  /** Checkpoints and savepoints sit on named volumes shared by every Flink process. */
  private void volumes() {
    Map<String, Object> declared = map(compose.get("volumes"));
    List<Object> submit = list(service("submit-job").get("command"));
    int at = submit.indexOf("--work-dir");
    String workDir = at < 0 ? "?" : String.valueOf(submit.get(at + 1));
    for (String name : List.of("jobmanager", "taskmanager-1", "taskmanager-2")) {
      List<String> mounts =
          list(service(name).get("volumes")).stream().map(String::valueOf).toList();
      for (String dir : List.of("checkpoints", "savepoints")) {
        if (mounts.stream().noneMatch(m -> m.endsWith(":" + workDir + "/" + dir))) {
          problems.add(name + ": no volume at " + workDir + "/" + dir);
        }
      }
    }
    for (Object s : services().values()) {
      for (Object mount : list(map(s).get("volumes"))) {
        String source = String.valueOf(mount).split(":")[0];
        if (!source.startsWith("/") && !source.startsWith(".") && !declared.containsKey(source)) {
          problems.add("volume " + source + " is not declared");
        }
      }
    }
  }

  Map<String, Object> services() {
    return map(compose.get("services"));
  }

  private Map<String, Object> service(String name) {
    return map(services().get(name));
  }

  private Map<String, String> flinkProperties(String service) {
    Map<String, String> out = new LinkedHashMap<>();
    String text = strings(service(service).get("environment")).getOrDefault("FLINK_PROPERTIES", "");
    for (String line : text.split("\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        out.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
      }
    }
    return out;
  }

  private void expect(String what, String wanted, String actual) {
    if (!wanted.equals(actual)) {
      problems.add(what + ": expected " + wanted + ", found " + actual);
    }
  }

  /** "NAME://host:port,..." → name → host:port. */
  private static Map<String, String> listeners(String spec) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String l : String.valueOf(spec).split(",")) {
      int sep = l.indexOf("://");
      if (sep > 0) {
        out.put(l.substring(0, sep), l.substring(sep + 3));
      }
    }
    return out;
  }

  private static String listenerOnPort(Map<String, String> listeners, String port) {
    return listeners.entrySet().stream()
        .filter(e -> port(e.getValue()).equals(port))
        .map(Map.Entry::getKey)
        .findFirst()
        .orElse(null);
  }

  private static String port(String hostPort) {
    return hostPort == null ? "" : hostPort.substring(hostPort.lastIndexOf(':') + 1);
  }

  private static List<String> hostPorts(String text, String host) {
    List<String> out = new ArrayList<>();
    Matcher m = HOST_PORT.matcher(text);
    while (m.find()) {
      if (m.group(1).equals(host)) {
        out.add(m.group());
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object o) {
    return o instanceof List<?> l ? (List<Object>) l : List.of();
  }

  static Map<String, String> strings(Object o) {
    Map<String, String> out = new LinkedHashMap<>();
    map(o).forEach((k, v) -> out.put(k, String.valueOf(v)));
    return out;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }
}
