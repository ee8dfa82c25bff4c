package io.moestream.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** The one rule that maps a failure to its exit code, and the line that describes it. */
class CliErrorsTest {
  @Test
  void refusedInputIsTwoAndEverythingElseIsOne() {
    assertThat(CliErrors.exitCode(new IllegalArgumentException("d must be >= 1"))).isEqualTo(2);
    assertThat(CliErrors.exitCode(new NumberFormatException("x"))).isEqualTo(2);
    assertThat(CliErrors.exitCode(new KafkaException("construct", new ConfigException("acks"))))
        .isEqualTo(2);

    assertThat(CliErrors.exitCode(new IllegalStateException("no answer from Kafka"))).isEqualTo(1);
    assertThat(CliErrors.exitCode(new UncheckedIOException(new IOException("disk full"))))
        .isEqualTo(1);
    assertThat(CliErrors.exitCode(new RuntimeException("libtorch"))).isEqualTo(1);
    assertThat(CliErrors.exitCode(new OutOfMemoryError())).isEqualTo(1);
    // a job that failed on a bad record failed at run time: the input was the command line's
    assertThat(
            CliErrors.exitCode(
                new ExecutionException("job failed", new IllegalArgumentException("record"))))
        .isEqualTo(1);
  }

  @Test
  void anIoFailureSaysWhatFailedAndWhy() {
    assertThat(
            CliErrors.describe(
                new UncheckedIOException(
                    "cannot write --json-out file /x/s.jsonl", new AccessDeniedException("/x"))))
        .isEqualTo("cannot write --json-out file /x/s.jsonl: AccessDeniedException: /x");
    assertThat(CliErrors.describe(new UncheckedIOException(new AccessDeniedException("/x"))))
        .isEqualTo("AccessDeniedException: /x");
    assertThat(CliErrors.describe(new KafkaException("construct", new ConfigException("bad acks"))))
        .isEqualTo("invalid Kafka client setting: bad acks");
  }

  @Test
  void editDistanceCountsSingleCharacterEdits() {
    assertThat(CliErrors.editDistance("tail", "tail")).isZero();
    assertThat(CliErrors.editDistance("tial", "tail")).isEqualTo(2);
    assertThat(CliErrors.editDistance("exprot", "export")).isEqualTo(2);
    assertThat(CliErrors.editDistance("trains", "train")).isEqualTo(1);
    assertThat(CliErrors.editDistance("", "abc")).isEqualTo(3);
    assertThat(CliErrors.editDistance("s3cr3t-XYZ", "train")).isGreaterThan(2);
  }

  @Test
  void theLineEndsWithTheInnermostCause() {
    // the layers between say nothing a user can act on; the innermost says why
    assertThat(
            CliErrors.describe(
                new RuntimeException(
                    "job failed",
                    new IllegalStateException("task failed", new IOException("disk full")))))
        .isEqualTo("job failed: IOException: disk full");
    // a wrapper that only repeats its cause (new ExecutionException(cause)) is skipped
    assertThat(
            CliErrors.describe(
                new ExecutionException(new IllegalStateException("Job was cancelled."))))
        .isEqualTo("Job was cancelled.");
    // a message that already quotes its cause is not repeated
    assertThat(
            CliErrors.describe(
                new IllegalStateException(
                    "cannot create topic t: not authorized",
                    new RuntimeException("not authorized"))))
        .isEqualTo("cannot create topic t: not authorized");
    // nor when it quotes the first line of a cause that adds a location on the next
    assertThat(
            CliErrors.describe(
                new IllegalArgumentException(
                    "case x.json is not valid JSON: bad token (line 1)",
                    new IOException("bad token\n at [Source: x; line: 1]"))))
        .isEqualTo("case x.json is not valid JSON: bad token (line 1)");
    // a line that names the wait needs no "timeout expired" after it
    assertThat(
            CliErrors.describe(
                new IllegalStateException(
                    "no answer from Kafka at h:1 within 3 s: is the broker reachable?",
                    new org.apache.kafka.common.errors.TimeoutException("Timeout expired"))))
        .isEqualTo("no answer from Kafka at h:1 within 3 s: is the broker reachable?");
  }

  @Test
  void aKafkaClientThatCannotBeBuiltIsASettingsProblem() {
    // how KafkaConsumer reports a SASL mechanism without its JAAS entry (two layers deep)
    KafkaException refused =
        new KafkaException(
            "Failed to construct kafka consumer",
            new KafkaException(
                "Failed to create new NetworkClient",
                new IllegalArgumentException("Could not find a 'KafkaClient' entry")));
    assertThat(CliErrors.describe(refused))
        .isEqualTo(
            "invalid Kafka client setting: Failed to construct kafka consumer: Could not find a"
                + " 'KafkaClient' entry");
    assertThat(CliErrors.exitCode(refused)).isEqualTo(CliErrors.USAGE);
    assertThat(
            CliErrors.exitCode(
                new KafkaException("Failed to create new KafkaAdminClient", new IOException("x"))))
        .isEqualTo(CliErrors.USAGE);
    // a Kafka failure after construction is the world's
    assertThat(CliErrors.exitCode(new KafkaException("Failed to send", new IOException("x"))))
        .isEqualTo(CliErrors.RUNTIME);
  }
}
