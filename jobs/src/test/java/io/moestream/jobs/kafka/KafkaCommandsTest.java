package io.moestream.jobs.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.CliRun;
import org.junit.jupiter.api.Test;

/** The Kafka commands' flags and failures, without a broker: every failure is one error line. */
class KafkaCommandsTest {
  private static CliRun run(String... args) {
    return CliRun.of(args);
  }

  private static void assertOneErrorLine(CliRun r, String start) {
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).startsWith("error: " + start).doesNotContain("\tat ");
  }

  @Test
  void helpShowsTheCommands() {
    assertThat(run("--help").out()).contains("produce", "registry");
    CliRun produce = run("produce", "--help");
    assertThat(produce.exit()).isZero();
    assertThat(produce.out())
        .contains("--bootstrap-servers", "--kafka-property", "--corpus", "--model-id")
        .contains("--sequence-tokens", "--max-tokens-per-domain", "--topic");
    CliRun tail = run("registry", "tail", "--help");
    assertThat(tail.exit()).isZero();
    assertThat(tail.out()).contains("--follow", "--json", "--[no-]from-beginning");
  }

  @Test
  void registryWithoutSubcommandIsAUsageError() {
    assertOneErrorLine(run("registry"), "missing subcommand: one of [tail, materialize, check]");
  }

  @Test
  void registryMaterializeAndCheckRefuseBadInputBeforeConnecting() {
    String nowhere = "--bootstrap-servers=127.0.0.1:1";
    assertOneErrorLine(
        run("registry", "materialize", nowhere, "--initial-experts", "0"),
        "--initial-experts must be >= 1");
    assertOneErrorLine(
        run("registry", "check", nowhere, "--snapshot", "/no/such/dir"),
        "/no/such/dir is not a directory");
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
    CliRun r =
        run(
            "produce",
            "--bootstrap-servers",
            "127.0.0.1:1",
            "--kafka-property",
            "max.block.ms=1000",
            "--max-tokens-per-domain",
            "10",
            "--no-progress");
    // a runtime failure (exit 1), not bad input: the same command works once the broker is up
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).startsWith("error: cannot produce to topic tokens at 127.0.0.1:1");
    assertThat(r.err()).contains("is the broker reachable").doesNotContain("\tat ");
  }
}
