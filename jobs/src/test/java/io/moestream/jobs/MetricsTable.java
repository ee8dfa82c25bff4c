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
    Set<String> out = new LinkedHashSet<>();
    Path sources = ROOT.resolve("operators/flink-operators/src/main/java");
    try (Stream<Path> files = Files.walk(sources)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        Matcher m = REGISTERED.matcher(Files.readString(f));
        while (m.find()) {
          out.add(m.group(1));
        }
      }
    }
    return out;
  }
}
