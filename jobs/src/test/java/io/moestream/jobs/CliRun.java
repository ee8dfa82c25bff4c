package io.moestream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * Runs the real command line in-process, as {@code main} would (same error handlers), and keeps
 * what it printed — for tests of every command.
 *
 * @param exit the exit code {@code main} would return
 * @param out what the command printed on standard output
 * @param err what it printed on standard error
 */
public record CliRun(int exit, String out, String err) {

  public static CliRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = MoeCli.newCommandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = MoeCli.run(cli, args);
    return new CliRun(exit, out.toString(), err.toString());
  }

  /**
   * {@code produce}: the bundled corpus for {@code modelIds}, at most {@code maxTokensPerDomain}
   * tokens a domain, without progress lines.
   */
  public static CliRun produce(String servers, int maxTokensPerDomain, String... modelIds) {
    List<String> args = new ArrayList<>(List.of("produce", "--bootstrap-servers", servers));
    args.add("--model-id");
    args.addAll(List.of(modelIds));
    args.addAll(
        List.of("--max-tokens-per-domain", String.valueOf(maxTokensPerDomain), "--no-progress"));
    return of(args.toArray(String[]::new));
  }

  /** {@code train --bounded} from {@code servers} in {@code workDir}, with {@code flags} after. */
  public static CliRun trainBounded(String servers, Path workDir, String... flags) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--bootstrap-servers",
                servers,
                "--work-dir",
                workDir.toString(),
                "--bounded"));
    args.addAll(List.of(flags));
    return of(args.toArray(String[]::new));
  }

  /**
   * {@code snapshot export} of every model in {@code savepoint} to {@code out}, with {@code flags}.
   */
  public static CliRun export(String savepoint, Path out, String... flags) {
    List<String> args =
        new ArrayList<>(
            List.of("snapshot", "export", "--savepoint", savepoint, "--out", out.toString()));
    args.addAll(List.of(flags));
    return of(args.toArray(String[]::new));
  }

  /** {@code registry check} of the exported models in {@code snapshots} against the registry. */
  public static CliRun registryCheck(Path snapshots, String servers) {
    return of(
        "registry", "check", "--snapshot", snapshots.toString(), "--bootstrap-servers", servers);
  }

  /**
   * The one standard-error line {@code error: ...} of a run that failed with {@code exit}, after
   * checking that it is one line and no stack trace: what every failing command must print.
   */
  public static String oneErrorLine(CliRun r, int exit) {
    assertThat(r.exit()).as(r.err()).isEqualTo(exit);
    assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
    assertThat(r.err()).startsWith("error: ").doesNotContain("\tat ");
    return r.err().strip();
  }

  /**
   * A loopback address nothing listens on (a port bound and closed again): connections are refused,
   * so a Kafka client retries until its timeout.
   */
  public static String closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return "127.0.0.1:" + s.getLocalPort();
    }
  }

  /** The rest of the first line of standard output that starts with {@code prefix}. */
  public String after(String prefix) {
    return out.lines()
        .filter(l -> l.startsWith(prefix))
        .findFirst()
        .orElseThrow()
        .substring(prefix.length());
  }
}
