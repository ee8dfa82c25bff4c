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
}
