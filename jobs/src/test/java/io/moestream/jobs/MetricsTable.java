package io.moestream.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The README's "Metrics" section as the tests read it: the metric names of its tables (first
 * column, as Prometheus shows them), and the metric names the job's operators register in code
 * ({@code counter("x")}, {@code gauge("x", ...)} in operators/flink-operators). The tests keep the
 * three in step: code, table and a real scrape (PrometheusMetricsITCase), table and dashboard
 * (DockerComposeStructureTest).
 */
public final class MetricsTable {
  private static final Path ROOT = Path.of(System.getProperty("moe.root.dir", ".."));
  private static final Pattern ROW = Pattern.compile("^\\|\\s*`([a-zA-Z_:][a-zA-Z0-9_:]*)`\\s*\\|");
  private static final Pattern REGISTERED =
      Pattern.compile("\\.(?:counter|gauge|meter|histogram)\\(\\s*\"([A-Za-z0-9_]+)\"");

  private static final Pattern GROUP = Pattern.compile("\\.addGroup\\(\\s*\"([A-Za-z0-9_]+)\"");

  private MetricsTable() {}

  /** Every metric name of the tables in README's "## Metrics" section, in order. */
  public static List<String> names() throws IOException {
    List<String> out = new ArrayList<>();
    boolean inSection = false;
    for (String line : Files.readAllLines(ROOT.resolve("README.md"))) {
      if (line.startsWith("## ")) {
        inSection = line.trim().equals("## Metrics");
        continue;
      }
      Matcher m = ROW.matcher(line);
      if (inSection && m.find()) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  /** The names the operators register on Flink metric groups, read from their sources. */
  public static Set<String> registeredInCode() throws IOException {
    return inOperatorSources(REGISTERED);
  }

  /**
   * Whether {@code scraped} is a metric of the operators, not one of Flink's or a connector's:
   * {@code flink_taskmanager_job_task_operator_}, then only groups the operators add ({@code
   * model}, {@code layer}, ...), then a name they register.
   */
  public static boolean isOperatorMetric(String scraped) throws IOException {
    String prefix = "flink_taskmanager_job_task_operator_";
    if (!scraped.startsWith(prefix)) {
      return false;
    }
    List<String> parts = List.of(scraped.substring(prefix.length()).split("_"));
    Set<String> groups = inOperatorSources(GROUP);
    return registeredInCode().contains(parts.get(parts.size() - 1))
        && groups.containsAll(parts.subList(0, parts.size() - 1));
  }

  private static Set<String> inOperatorSources(Pattern p) throws IOException {
    Set<String> out = new LinkedHashSet<>();
    Path sources = ROOT.resolve("operators/flink-operators/src/main/java");
    try (Stream<Path> files = Files.walk(sources)) {
      for (Path f : files.filter(x -> x.toString().endsWith(".java")).toList()) {
        Matcher m = p.matcher(Files.readString(f));
        while (m.find()) {
          out.add(m.group(1));
        }
      }
    }
    return out;
  }
}
