package io.moestream.jobs;

import static io.moestream.jobs.CliRun.oneErrorLine;
import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.cli.CliErrors;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exit codes scripts rely on, one real command per kind of failure: 2 when the input must
 * change (typo, bad value, missing or damaged file), 1 when running it failed (no broker, the
 * disk). Every failure is exactly one {@code error:} line, never a trace. No broker, no Flink job:
 * tiny models and a port nothing listens on keep the class quick.
 */
class ExitCodesTest {
  private static final String[] TINY = {
    "--d", "32", "--ctx", "16", "--batch", "2", "--emax", "4", "--experts", "2", "--steps", "2"
  };

  @TempDir Path tmp;

  private static String[] tiny(String command, String... more) {
    String[] all = new String[1 + TINY.length + more.length];
    all[0] = command;
    System.arraycopy(TINY, 0, all, 1, TINY.length);
    System.arraycopy(more, 0, all, 1 + TINY.length, more.length);
    return all;
  }

  @Test
  void aMistypedOptionIsBadInputWithPicocliSuggestion() {
    assertThat(oneErrorLine(CliRun.of("train-local", "--stpes", "3"), CliErrors.USAGE))
        .isEqualTo(
            "error: unknown option '--stpes'; did you mean --straight-through-k or --steps? (see"
                + " 'moe train-local --help')");
    // the option's name, never its value (it may be a secret)
    assertThat(oneErrorLine(CliRun.of("train", "--kafka-propertyy=sasl.password=s3cr3t"), 2))
        .contains("unknown option '--kafka-propertyy'; did you mean --kafka-property")
        .doesNotContain("s3cr3t");
  }

  @Test
  void aMistypedCommandIsBadInputWithSuggestions() {
    assertThat(oneErrorLine(CliRun.of("registry", "tial"), CliErrors.USAGE))
        .startsWith("error: unknown command 'tial'; did you mean tail");
    assertThat(oneErrorLine(CliRun.of("snapshot", "exprot"), CliErrors.USAGE))
        .isEqualTo(
            "error: unknown command 'exprot'; did you mean export? (see 'moe snapshot --help')");
    // a word that is no near miss of a command could be a value in the wrong place: not quoted
    assertThat(oneErrorLine(CliRun.of("s3cr3t-XYZ"), CliErrors.USAGE)).doesNotContain("s3cr3t");
  }

  @Test
  void aBadValueIsBadInput() {
    assertThat(oneErrorLine(CliRun.of("train-local", "--steps", "many"), CliErrors.USAGE))
        .contains("'--steps'")
        .doesNotContain("many");
    assertThat(oneErrorLine(CliRun.of("registry", "tail", "--bootstrap-servers", "no host"), 2))
        .isEqualTo(
            "error: invalid Kafka client setting: Invalid url in bootstrap.servers: no host");
  }

  @Test
  void aMissingInputFileIsBadInput() {
    assertThat(
            oneErrorLine(
                CliRun.of("train-local", "--corpus", tmp.resolve("absent.txt").toString()),
                CliErrors.USAGE))
        .contains("corpus file not found", "absent.txt");
    assertThat(
            oneErrorLine(
                CliRun.of(
                    "infer",
                    "--snapshot",
                    tmp.toString(),
                    "--file",
                    tmp.resolve("absent.txt").toString()),
                CliErrors.USAGE))
        .contains("--file", "absent.txt: no such file");
  }

  @Test
  void aDamagedSavepointOrSnapshotIsBadInput() throws Exception {
    Path savepoint = Files.createDirectories(tmp.resolve("savepoint"));
    Files.write(savepoint.resolve("_metadata"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    assertThat(
            oneErrorLine(
                CliRun.of("snapshot", "list", "--savepoint", savepoint.toString()),
                CliErrors.USAGE))
        .contains(savepoint + " is not a readable Flink savepoint or checkpoint");

    Path snapshot = Files.createDirectories(tmp.resolve("snapshot"));
    Files.writeString(snapshot.resolve("manifest.json"), "{ not json");
    assertThat(
            oneErrorLine(
                CliRun.of("infer", "--snapshot", snapshot.toString(), "--text", "abc"),
                CliErrors.USAGE))
        .contains("manifest.json");
  }

  @Test
  void anUnreachableBrokerIsARuntimeFailure() throws Exception {
    String servers = CliRun.closedPort();
    CliRun r =
        CliRun.of(
            "produce",
            "--bootstrap-servers",
            servers,
            "--kafka-property",
            "max.block.ms=1000",
            "--max-tokens-per-domain",
            "10",
            "--no-progress");
    assertThat(oneErrorLine(r, CliErrors.RUNTIME))
        .startsWith("error: cannot produce to topic tokens at " + servers)
        .contains("no answer from Kafka: is the broker reachable?");
  }

  @Test
  void anOutputThatCannotBeWrittenIsARuntimeFailure() throws Exception {
    Path file = Files.writeString(tmp.resolve("a-file"), "not a directory");
    Path json = file.resolve("steps.jsonl"); // under a regular file: no directory can hold it
    assertThat(
            oneErrorLine(
                CliRun.of(tiny("train-local", "--no-progress", "--json-out", json.toString())),
                CliErrors.RUNTIME))
        .startsWith("error: cannot write --json-out file " + json + ": ");
  }

  @Test
  void successIsZero() {
    CliRun r = CliRun.of(tiny("train-local", "--no-progress"));
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.err()).doesNotContain("error:");
  }
}
