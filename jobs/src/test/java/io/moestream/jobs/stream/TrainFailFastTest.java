package io.moestream.jobs.stream;

import static io.moestream.jobs.CliRun.closedPort;
import static io.moestream.jobs.CliRun.oneErrorLine;
import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.CliRun;
import io.moestream.jobs.cli.CliErrors;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} (and the other commands that start Flink) stop before Flink starts, with one line,
 * when Kafka does not answer or a {@code -D} setting is wrong. No broker and no Flink job here: the
 * checks run first, which is the point (the missing-topic case needs a broker: {@code
 * TrainStartITCase}).
 */
class TrainFailFastTest {
  @TempDir Path tmp;

  /** {@code train} against {@code servers} with {@code workDir}, then {@code more} flags. */
  private static CliRun train(String servers, String workDir, String... more) {
    String[] args = new String[5 + more.length];
    System.arraycopy(
        new String[] {"train", "--bootstrap-servers", servers, "--work-dir", workDir},
        0,
        args,
        0,
        5);
    System.arraycopy(more, 0, args, 5, more.length);
    return CliRun.of(args);
  }

  @Test
  void noAnswerFromKafkaStopsTrainWithinItsTimeout() throws Exception {
    String servers = closedPort();
    long started = System.nanoTime();
    CliRun r = train(servers, tmp.resolve("w").toString(), "--timeout", "2");
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(oneErrorLine(r, CliErrors.RUNTIME))
        .isEqualTo(
            "error: no answer from Kafka at " + servers + " within 2 s: is the broker reachable?");
    assertThat(r.out()).as("nothing started").doesNotContain("Flink web UI", "job ");
    // A functional check, not a performance assertion: before this check train said nothing for
    // 45 s; a bound far below that and above 2 s of timeout proves --timeout is what ended it.
    assertThat(took).isLessThan(Duration.ofSeconds(12));
  }

  @Test
  void theDefaultTimeoutIsAFewSeconds() throws Exception {
    String servers = closedPort();
    long started = System.nanoTime();
    CliRun r = train(servers, tmp.toString() + "/w");
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(oneErrorLine(r, CliErrors.RUNTIME))
        .isEqualTo(
            "error: no answer from Kafka at " + servers + " within 10 s: is the broker reachable?");
    // functional, as above: 10 s of default timeout, generous slack, well below the old 45 s
    assertThat(took).isLessThan(Duration.ofSeconds(25));
  }

  @Test
  void aMistypedFlinkSettingIsRefusedWithASuggestionBeforeKafkaIsAsked() throws Exception {
    // the broker does not exist: the -D line proves the setting is checked first
    CliRun r =
        train(closedPort(), tmp.resolve("w").toString(), "-Dtaskmanager.memory.proces.size=4g");
    assertThat(oneErrorLine(r, CliErrors.USAGE))
        .startsWith(
            "error: -D taskmanager.memory.proces.size is not a Flink configuration option; did you"
                + " mean taskmanager.memory.process.size");
  }

  @Test
  void aFlinkSettingOfTheWrongTypeOrOwnedByAFlagIsRefused() throws Exception {
    String servers = closedPort();
    String work = tmp.resolve("w").toString();
    assertThat(
            oneErrorLine(
                train(servers, work, "-D", "execution.checkpointing.timeout=soon"),
                CliErrors.USAGE))
        .isEqualTo(
            "error: -D execution.checkpointing.timeout needs a Duration, the value given does not"
                + " parse as one");
    assertThat(oneErrorLine(train(servers, work, "-Dparallelism.default=4"), CliErrors.USAGE))
        .isEqualTo("error: -D parallelism.default is not allowed: set by --parallelism");
    assertThat(oneErrorLine(train(servers, work, "-Drest.bind-address=0.0.0.0"), CliErrors.USAGE))
        .startsWith("error: -D rest.bind-address is not allowed: the embedded cluster listens on");
    // fewer slots than --parallelism would leave the job waiting for slots, silently
    assertThat(
            oneErrorLine(
                train(servers, work, "-Dtaskmanager.numberOfTaskSlots=1"), CliErrors.USAGE))
        .startsWith("error: -D taskmanager.numberOfTaskSlots is not allowed: set by --parallelism");
    // the reporter --metrics-port configures, by any of its keys
    assertThat(
            oneErrorLine(
                train(servers, work, "--metrics-port", "9250", "-Dmetrics.reporter.prom.port=9300"),
                CliErrors.USAGE))
        .startsWith(
            "error: -D metrics.reporter.prom.port is not allowed: the reporter named prom is set"
                + " by --metrics-port");
    // a JVM property after the command is a Flink setting to picocli: say where it belongs
    assertThat(oneErrorLine(train(servers, work, "-Dmoe.debug=true"), CliErrors.USAGE))
        .startsWith("error: -D moe.debug is a Java system property, not a Flink option")
        .contains("MOE_JAVA_OPTS=-Dmoe.debug=");
  }

  @Test
  void theLocalDemoRefusesFlinkSettingsItCouldNotApply() {
    // --local starts no Flink: a -D or --metrics-port there would silently do nothing
    assertThat(
            oneErrorLine(
                CliRun.of("demo", "--local", "--no-progress", "-Dpipeline.name=x"),
                CliErrors.USAGE))
        .isEqualTo(
            "error: -D and --metrics-port configure the embedded Flink cluster; --local starts"
                + " none");
    assertThat(
            oneErrorLine(
                CliRun.of("demo", "--local", "--no-progress", "--metrics-port", "9250"),
                CliErrors.USAGE))
        .startsWith("error: -D and --metrics-port configure the embedded Flink cluster");
  }

  @Test
  void aComputeBudgetIsRefusedForOtherRoutersAndOutOfRangeBeforeAnythingStarts() throws Exception {
    // the broker does not exist: the budget line proves the flags are checked first
    String work = tmp.resolve("w").toString();
    assertThat(
            oneErrorLine(
                train(closedPort(), work, "--router", "top-k", "--k-target", "1.7"),
                CliErrors.USAGE))
        .isEqualTo(
            "error: --k-target, --train-fallback and --straight-through-k need --router dynmoe,"
                + " not top-k");
    assertThat(
            oneErrorLine(
                CliRun.of("train-local", "--no-progress", "--steps", "1", "--k-target", "17"),
                CliErrors.USAGE))
        .isEqualTo("error: --k-target 17.0 exceeds the 16 expert slots (--emax)");
    assertThat(
            oneErrorLine(
                CliRun.of("demo", "--no-progress", "--router", "dense", "--straight-through-k"),
                CliErrors.USAGE))
        .startsWith("error: --k-target, --train-fallback and --straight-through-k need");
    assertThat(
            oneErrorLine(
                CliRun.of("bench", "train", "--steps", "10", "--k-target", "0.5"), CliErrors.USAGE))
        .contains("--k-target must be >= 1 with the training top-1 fallback");
  }

  @Test
  void theDemoAndBenchmarksCheckTheirFlinkSettingsBeforeStartingAnything() {
    // each would start a broker and a cluster first; the line comes at once instead
    assertThat(
            oneErrorLine(
                CliRun.of("demo", "--no-progress", "-Dexecution.checkpointing.timeout=soon"),
                CliErrors.USAGE))
        .isEqualTo(
            "error: -D execution.checkpointing.timeout needs a Duration, the value given does not"
                + " parse as one");
    assertThat(oneErrorLine(CliRun.of("bench", "pipeline", "-Drest.port=8081"), CliErrors.USAGE))
        .startsWith("error: -D rest.port is not allowed: the command picks a free port");
    assertThat(
            oneErrorLine(
                CliRun.of("bench", "soak", "-Dexecution.checkpointing.interval=1 s"),
                CliErrors.USAGE))
        .isEqualTo(
            "error: -D execution.checkpointing.interval is not allowed: set by"
                + " --checkpoint-interval");
  }
}
