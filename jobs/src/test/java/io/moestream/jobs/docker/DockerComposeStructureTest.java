package io.moestream.jobs.docker;

import static io.moestream.jobs.docker.ComposeChecks.list;
import static io.moestream.jobs.docker.ComposeChecks.map;
import static io.moestream.jobs.docker.ComposeChecks.strings;
import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.MetricsTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * docker/ cannot be run here (no Docker engine), so its structure is checked: the compose files
 * parse as YAML, every service is there with healthchecks and conditional dependencies, image tags
 * follow the versions of the root pom, ports and volumes agree between services, and the GPU
 * override only adds GPUs to TaskManagers that exist. A broken copy must be reported, so the checks
 * themselves are shown to fail.
 */
class DockerComposeStructureTest {
  private static final Path DOCKER = Path.of(System.getProperty("moe.docker.dir", "../docker"));
  private static final String FLINK = System.getProperty("moe.flink.version");
  private static final String KAFKA_IMAGE = System.getProperty("moe.docker.kafka.image");
  private static final String FLINK_IMAGE = System.getProperty("moe.docker.flink.image");
  private static final Map<String, String> MONITORING_IMAGES =
      Map.of(
          "prometheus", String.valueOf(System.getProperty("moe.docker.prometheus.image")),
          "grafana", String.valueOf(System.getProperty("moe.docker.grafana.image")));

  @Test
  void composeFileIsConsistent() throws IOException {
    assertThat(FLINK).as("the build passes the versions in").isNotBlank();
    assertThat(ComposeChecks.of(compose(), KAFKA_IMAGE, FLINK)).isEmpty();
  }

  @Test
  void brokenComposeFilesAreReported() throws IOException {
    Map<String, Object> noHealthcheck = compose();
    service(noHealthcheck, "taskmanager-2").remove("healthcheck");
    assertThat(ComposeChecks.of(noHealthcheck, KAFKA_IMAGE, FLINK))
        .contains(
            "taskmanager-2: no healthcheck test",
            "submit-job: waits for taskmanager-2 to be healthy, it has no check");

    Map<String, Object> oldKafka = compose();
    service(oldKafka, "create-topics").put("image", "apache/kafka:3.9.0");
    assertThat(ComposeChecks.of(oldKafka, KAFKA_IMAGE, FLINK))
        .contains("create-topics image: expected " + KAFKA_IMAGE + ", found apache/kafka:3.9.0");

    Map<String, Object> wrongPort = compose();
    List<Object> submit = new ArrayList<>(list(service(wrongPort, "submit-job").get("command")));
    submit.set(submit.indexOf("jobmanager:8081"), "jobmanager:8082");
    service(wrongPort, "submit-job").put("command", submit);
    assertThat(ComposeChecks.of(wrongPort, KAFKA_IMAGE, FLINK))
        .contains("submit-job: does not submit to jobmanager:8081");

    Map<String, Object> everywhere = compose();
    service(everywhere, "kafka").put("ports", List.of("9094:9094"));
    assertThat(ComposeChecks.of(everywhere, KAFKA_IMAGE, FLINK))
        .contains("kafka: port 9094:9094 is published on every interface");

    Map<String, Object> startedTooEarly = compose();
    Map<String, Object> deps = map(service(startedTooEarly, "producer").get("depends_on"));
    map(deps.get("create-topics")).put("condition", "service_started");
    assertThat(ComposeChecks.of(startedTooEarly, KAFKA_IMAGE, FLINK))
        .contains(
            "producer -> create-topics: expected service_completed_successfully,"
                + " found service_started");
  }

  /** The runtime stage is the official Flink image of the pom's version, with DJL in lib/. */
  @Test
  void dockerfileBuildsWithMavenAndRunsOnTheOfficialFlinkImage() throws IOException {
    String dockerfile = Files.readString(DOCKER.resolve("Dockerfile"));
    assertThat(arg(dockerfile, "FLINK_IMAGE")).isEqualTo(FLINK_IMAGE);
    assertThat(arg(dockerfile, "MAVEN_IMAGE")).contains("temurin-17");
    assertThat(dockerfile)
        .contains("FROM ${MAVEN_IMAGE} AS build")
        .contains("FROM ${FLINK_IMAGE}")
        .contains("mvn -B -q -pl jobs -am -DskipTests package")
        .contains("/jobs/target/djl-lib/ /opt/flink/lib/")
        .contains("moe-pipeline-job.jar /opt/flink/usrlib/")
        // flink-conf.yaml's Prometheus reporter is the plugin the Flink image ships.
        .contains("RUN ls /opt/flink/plugins/metrics-prometheus/flink-metrics-prometheus-*.jar");
    Map<String, Object> compose = compose();
    for (String name : List.of("jobmanager", "submit-job", "producer")) {
      assertThat(list(service(compose, name).get("command")).toString())
          .doesNotContain("moe-pipeline.jar");
    }
  }

  /** Flink reads flat keys from config.yaml; DJL must be parent-first, off-heap reserved. */
  @Test
  void flinkConfigKeepsDjlParentFirstAndReservesOffHeap() throws IOException {
    Map<String, Object> conf = load(DOCKER.resolve("flink-conf.yaml"));
    assertThat(String.valueOf(conf.get("classloader.parent-first-patterns.additional")))
        .contains("ai.djl.");
    assertThat(conf.get("taskmanager.memory.task.off-heap.size")).isEqualTo("1g");
    assertThat(conf.get("state.backend.type")).isEqualTo("rocksdb");
    assertThat(conf).doesNotContainKey("env.java.opts.all"); // would drop the image's --add-opens
    // No jar upload from the web UI: jobs go in with `flink run` (submit-job).
    assertThat(conf.get("web.submit.enable")).isEqualTo(false);
    for (String role : List.of("jobmanager", "taskmanager")) {
      assertThat(String.valueOf(conf.get("env.java.opts." + role)))
          .contains("-Dai.djl.offline=true", "SERIALIZABLE_PACKAGES=io.moestream.schemas")
          // A record claiming a 2 GB string must be refused, not allocated (AvroLimits).
          .contains(io.moestream.schemas.AvroLimits.jvmOptions());
    }
  }

  /**
   * Prometheus scrapes Flink's reporter on every Flink process, Grafana shows the provisioned
   * dashboard, and every metric the dashboard queries is one the README table lists (and
   * PrometheusMetricsITCase finds each row in a real scrape of a running job).
   */
  @Test
  void metricsStackScrapesEveryFlinkProcessAndTheDashboardQueriesRealMetrics() throws IOException {
    assertThat(MONITORING_IMAGES.values()).allMatch(i -> i.matches("[a-z/]+:v?\\d+\\.\\d+\\.\\d+"));
    assertThat(monitoring(compose(), dashboard()).problems()).isEmpty();
  }

  @Test
  void brokenMetricsStacksAreReported() throws IOException {
    Map<String, Object> dashboard = dashboard();
    Map<String, Object> firstTarget =
        map(list(map(list(dashboard.get("panels")).get(0)).get("targets")).get(0));
    firstTarget.put("expr", "flink_taskmanager_job_task_operator_model_lossPerToken");
    assertThat(monitoring(compose(), dashboard).problems())
        .contains(
            "panel 'Tokens/s per model': queries"
                + " flink_taskmanager_job_task_operator_model_lossPerToken, which is not in"
                + " README's Metrics table",
            "panel 'Tokens/s per model': not filtered by $model",
            "dashboard: no panel shows _model_tokensPerSecond");

    Map<String, Object> published = compose();
    service(published, "jobmanager").put("ports", List.of("127.0.0.1:8081:8081", "9249:9249"));
    service(published, "grafana").put("image", "grafana/grafana:latest");
    assertThat(monitoring(published, dashboard()).problems())
        .contains(
            "jobmanager: publishes the metrics port 9249:9249 on the host",
            "grafana image: expected "
                + MONITORING_IMAGES.get("grafana")
                + ", found grafana/grafana:latest");
    assertThat(ComposeChecks.of(published, KAFKA_IMAGE, FLINK))
        .contains("jobmanager: port 9249:9249 is published on every interface");

    Map<String, Object> noHealth = compose();
    service(noHealth, "prometheus").remove("healthcheck");
    service(noHealth, "prometheus").put("volumes", List.of("./prometheus/missing.yml:/x.yml:ro"));
    assertThat(ComposeChecks.of(noHealth, KAFKA_IMAGE, FLINK))
        .contains("prometheus: no healthcheck test");
    assertThat(monitoring(noHealth, dashboard()).problems())
        .contains(
            "prometheus: mounts ./prometheus/missing.yml, which does not exist",
            "prometheus: does not mount prometheus/prometheus.yml as its config");
  }

  private static MonitoringChecks monitoring(
      Map<String, Object> compose, Map<String, Object> dashboard) throws IOException {
    return new MonitoringChecks(
        compose,
        load(DOCKER.resolve("flink-conf.yaml")),
        load(DOCKER.resolve("prometheus/prometheus.yml")),
        load(DOCKER.resolve("grafana/provisioning/datasources/prometheus.yml")),
        load(DOCKER.resolve("grafana/provisioning/dashboards/moe-stream.yml")),
        dashboard,
        DOCKER,
        MONITORING_IMAGES,
        MetricsTable.names());
  }

  /** The Grafana dashboard, parsed into mutable maps (the negative test edits it). */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> dashboard() throws IOException {
    return new com.fasterxml.jackson.databind.ObjectMapper()
        .readValue(
            DOCKER.resolve("grafana/dashboards/moe-stream.json").toFile(), LinkedHashMap.class);
  }

  @Test
  void gpuOverrideGivesEachTaskManagerItsOwnGpu() throws IOException {
    Map<String, Object> base = compose();
    Map<String, Object> gpu = load(DOCKER.resolve("docker-compose.gpu.yml"));
    Map<String, Object> services = map(gpu.get("services"));
    assertThat(services.keySet()).containsExactlyInAnyOrder("taskmanager-1", "taskmanager-2");
    assertThat(map(base.get("services")).keySet()).containsAll(services.keySet());
    Set<String> devices = new HashSet<>();
    for (String tm : services.keySet()) {
      Map<String, Object> s = map(services.get(tm));
      assertThat(s.get("runtime")).as(tm).isEqualTo("nvidia");
      Map<String, String> env = strings(s.get("environment"));
      List<Object> reserved =
          list(map(map(map(s.get("deploy")).get("resources")).get("reservations")).get("devices"));
      assertThat(reserved).as(tm).hasSize(1);
      Map<String, Object> device = map(reserved.get(0));
      assertThat(device.get("driver")).isEqualTo("nvidia");
      assertThat(list(device.get("capabilities"))).containsExactly("gpu");
      List<Object> ids = list(device.get("device_ids"));
      assertThat(ids).hasSize(1);
      assertThat(env.get("NVIDIA_VISIBLE_DEVICES")).isEqualTo(String.valueOf(ids.get(0)));
      assertThat(devices.add(String.valueOf(ids.get(0)))).as(tm + " shares a GPU").isTrue();
      // One slot per TaskManager in the base file, so one trainer subtask per GPU.
      assertThat(strings(service(base, tm).get("environment")).get("FLINK_PROPERTIES"))
          .contains("taskmanager.numberOfTaskSlots: 1");
    }
  }

  /**
   * The GPU image builds DJL's JNI for its pinned PyTorch and puts it where DJL looks; the override
   * runs that image on the TaskManagers (GpuImageChecks).
   */
  @Test
  void gpuImageBuildsTheJniForItsTorchAndTheOverrideRunsIt() throws IOException {
    assertThat(gpuImageProblems(gpuDockerfile(), load(DOCKER.resolve("docker-compose.gpu.yml"))))
        .isEmpty();
  }

  @Test
  void brokenGpuImagesAreReported() throws IOException {
    String dockerfile = gpuDockerfile();
    String cpuFlavor = dockerfile.replace("ARG TORCH_FLAVOR=cu128", "ARG TORCH_FLAVOR=cpu");
    assertThat(gpuImageProblems(cpuFlavor, load(DOCKER.resolve("docker-compose.gpu.yml"))))
        .contains(
            "TORCH_FLAVOR cpu is not the CUDA of TORCH_IMAGE (cu128)",
            "TORCH_FLAVOR cpu does not start with cu: DJL would load no CUDA");
    String otherTorch = dockerfile.replace("ARG TORCH_VERSION=2.7.1", "ARG TORCH_VERSION=2.11.0");
    assertThat(gpuImageProblems(otherTorch, load(DOCKER.resolve("docker-compose.gpu.yml"))))
        .contains("TORCH_VERSION 2.11.0 is not the torch of TORCH_IMAGE (2.7.1)");
    String unpinned =
        dockerfile
            .replaceAll("ARG TORCH_IMAGE=\\S+", "ARG TORCH_IMAGE=pytorch/pytorch:latest")
            .replace("--cache-dir /opt/moe/djl-engine", "--cache-dir /tmp/elsewhere");
    assertThat(gpuImageProblems(unpinned, load(DOCKER.resolve("docker-compose.gpu.yml"))))
        .contains(
            "TORCH_IMAGE: expected a pinned pytorch/pytorch:<version>-cuda<X.Y>-cudnn<N>-devel"
                + " tag, found pytorch/pytorch:latest",
            "ENV ENGINE_CACHE_DIR: expected /tmp/elsewhere, found /opt/moe/djl-engine",
            "Dockerfile: does not check that the JNI is at /tmp/elsewhere/pytorch/"
                + "${TORCH_VERSION}-${TORCH_FLAVOR}-linux-x86_64/"
                + djlVersion()
                + "-libdjl_torch.so");
    Map<String, Object> mounted = load(DOCKER.resolve("docker-compose.gpu.yml"));
    Map<String, Object> tm = map(map(mounted.get("services")).get("taskmanager-2"));
    tm.put("image", "moestream/moe-pipeline:latest");
    tm.put("volumes", List.of("/opt/libtorch:/opt/libtorch:ro"));
    map(tm.get("build")).put("additional_contexts", Map.of("moe-base", "docker-image://flink"));
    assertThat(gpuImageProblems(dockerfile, mounted))
        .contains(
            "taskmanager-2 image: expected moestream/moe-pipeline:0.1.0-flink2.2.1-java17-gpu,"
                + " found moestream/moe-pipeline:latest",
            "taskmanager-2: moe-base is not the jobmanager's image (service:jobmanager)",
            "taskmanager-2: mounts or points at a libtorch of its own; the GPU image has one");
  }

  private static List<String> gpuImageProblems(String dockerfile, Map<String, Object> gpu)
      throws IOException {
    return GpuImageChecks.of(
        dockerfile,
        Files.readString(DOCKER.resolve("gpu/Dockerfile.dockerignore")),
        compose(),
        gpu,
        djlVersion(),
        DOCKER.resolve("..").normalize());
  }

  private static String gpuDockerfile() throws IOException {
    return Files.readString(DOCKER.resolve("gpu/Dockerfile"));
  }

  /** The DJL version the root pom pins: the JNI's file name carries it. */
  private static String djlVersion() throws IOException {
    Matcher m =
        Pattern.compile("<djl.version>([^<]+)</djl.version>")
            .matcher(Files.readString(DOCKER.resolve("../pom.xml")));
    assertThat(m.find()).as("djl.version in the root pom").isTrue();
    return m.group(1);
  }

  private static String arg(String dockerfile, String name) {
    Matcher m = Pattern.compile("(?m)^ARG " + name + "=(\\S+)$").matcher(dockerfile);
    assertThat(m.find()).as("ARG " + name).isTrue();
    return m.group(1);
  }

  private static Map<String, Object> compose() throws IOException {
    return load(DOCKER.resolve("docker-compose.yml"));
  }

  private static Map<String, Object> service(Map<String, Object> compose, String name) {
    return map(map(compose.get("services")).get(name));
  }

  /** Parsed with merge keys resolved, into mutable maps (the negative test edits them). */
  private static Map<String, Object> load(Path file) throws IOException {
    Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
    Object doc = yaml.load(Files.readString(file));
    assertThat(doc).as(file + " is a YAML mapping").isInstanceOf(Map.class);
    return deepCopy(map(doc));
  }

  private static Map<String, Object> deepCopy(Map<String, Object> in) {
    Map<String, Object> out = new LinkedHashMap<>();
    in.forEach((k, v) -> out.put(k, v instanceof Map<?, ?> ? deepCopy(map(v)) : v));
    return out;
  }
}
