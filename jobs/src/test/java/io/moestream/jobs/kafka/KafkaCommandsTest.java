package io.moestream.jobs.kafka;

import static io.moestream.jobs.CliRun.closedPort;
import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.CliRun;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.serve.ModelExport;
import io.moestream.moe.train.MoeTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

  /** A real export of a tiny model: what {@code registry check} compares the registry with. */
  private static Path snapshot(Path dir) throws Exception {
    ModelConfig mc = new ModelConfig(259, 16, 2, 2, 8, 16, RouterConfig.dynMoe(2, 4));
    Path model = dir.resolve("m");
    if (!Files.exists(model)) {
      try (MoeTrainer t = MoeTrainer.create(mc, TrainConfig.defaults(1))) {
        ModelExport.write(t, "m", model, "sp", -1, false, Instant.EPOCH);
      }
    }
    return dir;
  }

  /** Every command with --timeout, as run against {@code servers} with {@code --timeout 2}. */
  private static List<String[]> commandsWithATimeout(String servers, Path tmp) throws Exception {
    String[] common = {"--bootstrap-servers", servers, "--timeout", "2"};
    List<String[]> all = new ArrayList<>();
    all.add(concat(new String[] {"registry", "tail"}, common));
    all.add(concat(new String[] {"registry", "materialize"}, common));
    all.add(
        concat(new String[] {"registry", "check", "--snapshot", snapshot(tmp).toString()}, common));
    return all;
  }

  private static String[] concat(String[] a, String[] b) {
    String[] all = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  @Test
  void everyTimeoutIsHonouredAgainstAnUnreachableBroker(@TempDir Path tmp) throws Exception {
    String servers = closedPort();
    for (String[] args : commandsWithATimeout(servers, tmp)) {
      long started = System.nanoTime();
      CliRun r = run(args);
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(1);
      assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
      assertThat(r.err())
          .startsWith(
              "error: no answer from Kafka at "
                  + servers
                  + " within 2 s while reading topic moe.registry: is the broker reachable?")
          .doesNotContain("\tat ");
      // A functional check, not a performance assertion: Kafka's own defaults (and this command's
      // before) waited 15 s or more, so a bound well below that proves --timeout 2 is what ends it.
      assertThat(took).as(String.join(" ", args)).isLessThan(Duration.ofSeconds(10));
    }
  }

  @Test
  void produceHonoursItsTimeoutAgainstAnUnreachableBroker() throws Exception {
    String servers = closedPort();
    long started = System.nanoTime();
    CliRun r =
        run(
            "produce",
            "--bootstrap-servers",
            servers,
            "--timeout",
            "2",
            "--max-tokens-per-domain",
            "10",
            "--no-progress");
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
    assertThat(r.err())
        .startsWith("error: cannot produce to topic tokens at " + servers)
        .contains("after 2000 ms", "(no answer from Kafka: is the broker reachable?)");
    // Functional, not a performance assertion: the producer's default max.block.ms is 60 s; 2 s
    // of --timeout plus at most 2 s more to tell a missing topic from no answer, with slack.
    assertThat(took).isLessThan(Duration.ofSeconds(12));
  }

  @Test
  void aBrokerNameThatDoesNotResolveIsOneLineNamingTheCause(@TempDir Path tmp) throws Exception {
    for (String[] args : commandsWithATimeout("no-such-host.invalid:9092", tmp)) {
      CliRun r = run(args);
      // Kafka refuses a bootstrap list of which no name resolves as a setting: bad input
      assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(2);
      assertThat(r.err().strip())
          .isEqualTo(
              "error: invalid Kafka client setting: No resolvable bootstrap urls given in"
                  + " bootstrap.servers");
    }
    CliRun noPort = run("registry", "tail", "--bootstrap-servers", "notahost");
    assertThat(noPort.exit()).isEqualTo(2);
    assertThat(noPort.err().strip())
        .isEqualTo(
            "error: invalid Kafka client setting: Invalid url in bootstrap.servers: notahost");
  }

  @Test
  void aClientThatCannotBeBuiltSaysWhyInOneLineWithoutTheSecretValue() {
    // SASL without its JAAS entry: Kafka's reason is two causes deep
    CliRun sasl =
        run(
            "registry",
            "tail",
            "--bootstrap-servers",
            "127.0.0.1:1",
            "--kafka-property",
            "security.protocol=SASL_PLAINTEXT",
            "--kafka-property",
            "sasl.mechanism=PLAIN");
    assertOneErrorLine(
        sasl,
        "invalid Kafka client setting: Failed to construct kafka consumer: Could not find a"
            + " 'KafkaClient' entry in the JAAS configuration");
    // a missing truststore: the cause is named, its path (a client property value) hidden
    CliRun ssl =
        run(
            "registry",
            "tail",
            "--bootstrap-servers",
            "127.0.0.1:1",
            "--kafka-property",
            "security.protocol=SSL",
            "--kafka-property",
            "ssl.truststore.location=/no/such/s3cret-store.jks");
    assertOneErrorLine(ssl, "invalid Kafka client setting: Failed to construct kafka consumer: ");
    assertThat(ssl.err()).contains("NoSuchFileException: [hidden]").doesNotContain("s3cret");
  }

  @Test
  void aTimeoutBelowOneSecondIsBadInput() {
    assertOneErrorLine(
        run("registry", "tail", "--bootstrap-servers", "127.0.0.1:1", "--timeout", "0"),
        "--timeout must be >= 1 second, got 0");
  }
}
