package io.moestream.jobs.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.MoeCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The Kafka commands' flags and failures, without a broker: every failure is one error line. */
class KafkaCommandsTest {
  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = MoeCli.newCommandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private static void assertOneErrorLine(Run r, String start) {
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).startsWith("error: " + start).doesNotContain("\tat ");
  }

  @Test
  void helpShowsTheCommands() {
    assertThat(run("--help").out()).contains("produce", "registry");
    Run produce = run("produce", "--help");
    assertThat(produce.exit()).isZero();
    assertThat(produce.out())
        .contains("--bootstrap-servers", "--kafka-property", "--corpus", "--model-id")
        .contains("--sequence-tokens", "--max-tokens-per-domain", "--topic");
    Run tail = run("registry", "tail", "--help");
    assertThat(tail.exit()).isZero();
    assertThat(tail.out()).contains("--follow", "--json", "--[no-]from-beginning");
  }

  @Test
  void registryWithoutSubcommandIsAUsageError() {
    assertOneErrorLine(run("registry"), "missing subcommand: one of [tail]");
  }

  @Test
  void badProduceArgumentsFailBeforeConnecting() {
    assertOneErrorLine(
        run("produce", "--sequence-tokens", "0", "--no-progress"), "--sequence-tokens must be");
    assertOneErrorLine(
        run("produce", "--model-id", "a", "a", "--no-progress"), "--model-id a is given twice");
    assertOneErrorLine(
        run("produce", "--corpus", "/no/such/file.txt", "--no-progress"), "corpus file not found");
    assertOneErrorLine(
        run("produce", "--kafka-property", "bootstrap.servers=x:1", "--no-progress"),
        "use --bootstrap-servers");
  }

  @Test
  void anUnreachableBrokerIsOneLineNotAStackTrace() {
    Run r =
        run(
            "produce",
            "--bootstrap-servers",
            "127.0.0.1:1",
            "--kafka-property",
            "max.block.ms=1000",
            "--max-tokens-per-domain",
            "10",
            "--no-progress");
    assertOneErrorLine(r, "cannot produce to topic tokens at 127.0.0.1:1");
    assertThat(r.err()).contains("is the broker reachable");
  }
}
