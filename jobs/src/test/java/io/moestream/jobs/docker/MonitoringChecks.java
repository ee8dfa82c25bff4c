package io.moestream.jobs.docker;

import static io.moestream.jobs.docker.ComposeChecks.list;
import static io.moestream.jobs.docker.ComposeChecks.map;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metrics stack of docker/ checked on its parsed files, as ComposeChecks does for the rest:
 * Flink's Prometheus reporter configured (flink-conf.yaml) and never published on the host, the
 * prometheus service scraping every Flink process at the reporter's port, Grafana provisioned with
 * that Prometheus and the dashboard, pinned image tags, bind-mounted files that exist, and a
 * dashboard keyed on {@code model} and {@code layer} whose every query names a metric of the README
 * table (which PrometheusMetricsITCase holds to a real scrape).
 *
 * @param compose docker-compose.yml
 * @param flinkConf flink-conf.yaml
 * @param prometheus prometheus/prometheus.yml
 * @param datasource grafana/provisioning/datasources/prometheus.yml
 * @param provider grafana/provisioning/dashboards/moe-stream.yml
 * @param dashboard grafana/dashboards/moe-stream.json
 * @param dockerDir where bind-mount sources are looked up
 * @param images the pinned images the pom names: prometheus, grafana
 * @param tableMetrics the metric names of README's "Metrics" tables
 */
record MonitoringChecks(
    Map<String, Object> compose,
    Map<String, Object> flinkConf,
    Map<String, Object> prometheus,
    Map<String, Object> datasource,
    Map<String, Object> provider,
    Map<String, Object> dashboard,
    Path dockerDir,
    Map<String, String> images,
    List<String> tableMetrics) {
  static final List<String> FLINK_PROCESSES =
      List.of("jobmanager", "taskmanager-1", "taskmanager-2");

  /** What the issue asks the dashboard to show: a metric each. */
  static final List<String> REQUIRED_PANELS =
      List.of(
          "_model_tokensPerSecond",
          "_model_prequentialLoss",
          "_model_layer_avgK",
          "_model_layer_activeExperts",
          "_deadLetterReasons_reason_count",
          "_model_skippedSteps",
          "flink_jobmanager_job_lastCheckpointDuration",
          "flink_jobmanager_job_lastCheckpointSize");

  private static final Pattern METRIC = Pattern.compile("\\b(flink_[A-Za-z0-9_]+)");

  List<String> problems() {
    List<String> problems = new ArrayList<>();
    reporter(problems);
    scrapeTargets(problems);
    services(problems);
    grafana(problems);
    dashboardQueries(problems);
    return problems;
  }

  private String reporterPort() {
    return String.valueOf(flinkConf.get("metrics.reporter.prom.port"));
  }

  private void reporter(List<String> problems) {
    Object factory = flinkConf.get("metrics.reporter.prom.factory.class");
    if (!"org.apache.flink.metrics.prometheus.PrometheusReporterFactory".equals(factory)) {
      problems.add("flink-conf.yaml: no Prometheus reporter (metrics.reporter.prom.factory.class)");
    }
    for (String name : FLINK_PROCESSES) {
      for (Object published : list(service(name).get("ports"))) {
        if (String.valueOf(published).endsWith(":" + reporterPort())) {
          problems.add(name + ": publishes the metrics port " + published + " on the host");
        }
      }
    }
  }

  private void scrapeTargets(List<String> problems) {
    Set<String> targets = new LinkedHashSet<>();
    for (Object job : list(prometheus.get("scrape_configs"))) {
      for (Object sc : list(map(job).get("static_configs"))) {
        list(map(sc).get("targets")).forEach(t -> targets.add(String.valueOf(t)));
      }
    }
    for (String name : FLINK_PROCESSES) {
      String target = service(name).get("hostname") + ":" + reporterPort();
      if (!targets.remove(target)) {
        problems.add("prometheus.yml: does not scrape " + target);
      }
    }
    targets.forEach(t -> problems.add("prometheus.yml: scrapes " + t + ", no Flink process"));
  }

  private void services(List<String> problems) {
    for (String name : List.of("prometheus", "grafana")) {
      String image = String.valueOf(service(name).get("image"));
      if (!image.equals(images.get(name))) {
        problems.add(name + " image: expected " + images.get(name) + ", found " + image);
      }
      for (Object mount : list(service(name).get("volumes"))) {
        String source = String.valueOf(mount).split(":")[0];
        if (source.startsWith(".") && !Files.exists(dockerDir.resolve(source))) {
          problems.add(name + ": mounts " + source + ", which does not exist");
        }
      }
    }
    String config = "./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro";
    if (!list(service("prometheus").get("volumes")).contains(config)) {
      problems.add("prometheus: does not mount prometheus/prometheus.yml as its config");
    }
    if (!list(service("prometheus").get("ports")).contains("127.0.0.1:9090:9090")) {
      problems.add("prometheus: port 9090 is not published on 127.0.0.1");
    }
    if (!list(service("grafana").get("ports")).contains("127.0.0.1:3000:3000")) {
      problems.add("grafana: port 3000 is not published on 127.0.0.1");
    }
  }

  private void grafana(List<String> problems) {
    Map<String, Object> ds =
        map(list(datasource.get("datasources")).stream().findFirst().orElse(null));
    if (!"http://prometheus:9090".equals(ds.get("url"))) {
      problems.add("grafana datasource: url " + ds.get("url") + " is not the prometheus service");
    }
    String uid = String.valueOf(ds.get("uid"));
    for (Map<String, Object> panel : panels()) {
      if (!uid.equals(map(panel.get("datasource")).get("uid"))) {
        problems.add("dashboard panel '" + panel.get("title") + "': not on datasource " + uid);
      }
    }
    Object path =
        map(map(list(provider.get("providers")).stream().findFirst().orElse(null)).get("options"))
            .get("path");
    String mount = "./grafana/dashboards:" + path + ":ro";
    if (!list(service("grafana").get("volumes")).contains(mount)) {
      problems.add("grafana: the dashboard provider reads " + path + ", nothing is mounted there");
    }
  }

  private void dashboardQueries(List<String> problems) {
    List<String> variables = new ArrayList<>();
    for (Object v : list(map(dashboard.get("templating")).get("list"))) {
      variables.add(String.valueOf(map(v).get("name")));
      metricsIn(
          String.valueOf(map(v).get("definition")), "variable " + map(v).get("name"), problems);
    }
    if (!variables.containsAll(List.of("model", "layer"))) {
      problems.add("dashboard: template variables " + variables + ", needs model and layer");
    }
    Set<String> queried = new LinkedHashSet<>();
    for (Map<String, Object> panel : panels()) {
      for (Object t : list(panel.get("targets"))) {
        String expr = String.valueOf(map(t).get("expr"));
        queried.addAll(metricsIn(expr, "panel '" + panel.get("title") + "'", problems));
        if (expr.contains("_model_") && !expr.contains("model=~\"$model\"")) {
          problems.add("panel '" + panel.get("title") + "': not filtered by $model");
        }
        if (expr.contains("_layer_") && !expr.contains("layer=~\"$layer\"")) {
          problems.add("panel '" + panel.get("title") + "': not filtered by $layer");
        }
      }
    }
    for (String required : REQUIRED_PANELS) {
      if (queried.stream().noneMatch(q -> q.endsWith(required))) {
        problems.add("dashboard: no panel shows " + required);
      }
    }
  }

  private List<String> metricsIn(String expr, String where, List<String> problems) {
    List<String> out = new ArrayList<>();
    Matcher m = METRIC.matcher(expr);
    while (m.find()) {
      out.add(m.group(1));
      if (!tableMetrics.contains(m.group(1))) {
        problems.add(
            where + ": queries " + m.group(1) + ", which is not in README's Metrics table");
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private List<Map<String, Object>> panels() {
    return list(dashboard.get("panels")).stream().map(p -> (Map<String, Object>) p).toList();
  }

  private Map<String, Object> service(String name) {
    return map(map(compose.get("services")).get(name));
  }
}
