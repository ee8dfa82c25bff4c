package io.moestream.jobs.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --metrics-port}: Flink's Prometheus reporter in the embedded cluster of a command that
 * starts one ({@code train} as a process, {@code demo}). Off unless given, because Flink's reporter
 * listens on every network interface (Flink 2.2 has no bind-address setting for it), while
 * everything else the embedded cluster opens listens on loopback only (README "Metrics").
 */
public final class MetricsOptions {
  @Option(
      names = "--metrics-port",
      paramLabel = "PORT[-PORT]",
      converter = Ports.class,
      description =
          "Serve Flink's and the job's metrics for Prometheus at http://<host>:PORT/metrics"
              + " (Flink's Prometheus reporter); a range such as 9250-9260 takes its first free"
              + " port. Off by default: the reporter listens on every network interface, not"
              + " loopback only. A job submitted to a cluster uses the cluster's reporters"
              + " instead (docker/flink-conf.yaml).")
  String ports;

  /**
   * The port or port range in Flink's syntax ({@code metrics.reporter.prom.port}), or null when the
   * reporter is off.
   */
  public String reporterPorts() {
    return ports;
  }

  /**
   * Where the reporter serves, for the line a command prints when its job starts; null when off.
   * The reporter listens on every interface, so loopback reaches it.
   */
  public String startedLine() {
    if (ports == null) {
      return null;
    }
    return ports.contains("-")
        ? "Prometheus metrics: /metrics on the first free port of " + ports
        : "Prometheus metrics: http://127.0.0.1:" + ports + "/metrics";
  }

  /**
   * A port or an ascending range of ports, 1 to 65535, checked while parsing (exit 2). Port 0 ("any
   * free port") is refused: nothing would tell the user which port the reporter got.
   */
  static final class Ports implements ITypeConverter<String> {
    private static final Pattern PORTS = Pattern.compile("(\\d{1,5})(?:-(\\d{1,5}))?");

    @Override
    public String convert(String value) {
      Matcher m = PORTS.matcher(value.trim());
      if (m.matches()) {
        int low = Integer.parseInt(m.group(1));
        int high = m.group(2) == null ? low : Integer.parseInt(m.group(2));
        if (low >= 1 && high <= 65_535 && low <= high) {
          return low == high ? Integer.toString(low) : low + "-" + high;
        }
      }
      // The value itself is not repeated: CliErrors hides option values (they may be secrets).
      throw new TypeConversionException("must be a port 1-65535 or a range such as 9250-9260");
    }
  }
}
