package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.CliRun;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} with a restore that cannot work: each case is refused before any Flink cluster or
 * Kafka client starts (the broker address is unreachable on purpose), with one {@code error:} line,
 * exit code 2 and nothing else on the process's standard error — no stack trace from a job that
 * started only to fail.
 */
class TrainRestoreErrorsTest {
  @TempDir Path tmp;

  @Test
  void aMissingSavepointPathIsOneLineBeforeAnythingStarts() {
    assertRefused(train("--from-savepoint", tmp.resolve("nope").toString()), "no savepoint or");
  }

  @Test
  void aDirectoryWithoutMetadataIsOneLine() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    assertRefused(
        train("--from-savepoint", empty.toString()),
        "is not a Flink savepoint or checkpoint (no _metadata file)");
  }

  @Test
  void resumeAndFromSavepointTogetherAreRefused() {
    assertRefused(
        train("--resume", "--from-savepoint", tmp.toString()),
        "--resume and --from-savepoint exclude each other");
  }

  @Test
  void resumeWithoutACheckpointSaysWhereItLooked() {
    assertRefused(train("--resume"), "--resume: no retained checkpoint under");
  }

  @Test
  void aFreshRunInAWorkDirWithCheckpointsOfAnEarlierRunIsRefused() throws Exception {
    Path chk = Files.createDirectories(tmp.resolve("work/checkpoints/0123abcd/chk-7"));
    Files.writeString(chk.resolve("_metadata"), "stands for a retained checkpoint");
    assertRefused(train(), "holds checkpoints of an earlier run");
    assertThat(train().err()).contains(chk.toString(), "--resume", "--fresh", "--work-dir");
  }

  /**
   * {@code train} in {@code tmp/work} with a tiny model and a broker address nothing listens on.
   */
  private CliRun train(String... more) {
    CliRun[] run = new CliRun[1];
    String stderr = stderrOf(() -> run[0] = runTrain(more));
    assertThat(stderr).as("the process's stderr").doesNotContain("\tat ", "Exception");
    return run[0];
  }

  private CliRun runTrain(String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--bootstrap-servers",
                "127.0.0.1:9",
                "--work-dir",
                tmp.resolve("work").toString(),
                "--d",
                "16",
                "--ctx",
                "16",
                "--ff",
                "32",
                "--bounded"));
    args.addAll(List.of(more));
    return CliRun.of(args.toArray(String[]::new));
  }

  /** Checks {@code r}: exit 2, one {@code error:} line naming {@code message}, no trace. */
  private static void assertRefused(CliRun r, String message) {
    assertThat(r.exit()).as(r.err()).isEqualTo(2);
    assertThat(r.err()).startsWith("error: ").contains(message).doesNotContain("\tat ");
    assertThat(r.err().lines()).hasSize(1);
  }

  /** What the process printed on standard error (loggers included) while {@code run} ran. */
  static String stderrOf(Runnable run) {
    PrintStream original = System.err;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      run.run();
    } finally {
      System.setErr(original);
    }
    return buffer.toString(StandardCharsets.UTF_8);
  }
}
