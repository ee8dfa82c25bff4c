package io.moestream.jobs.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** {@code --checkpoint-interval}: how often a streaming job checkpoints its state. */
public final class CheckpointOptions {
  @Option(
      names = "--checkpoint-interval",
      paramLabel = "SECONDS",
      defaultValue = "10",
      description = "Seconds between checkpoints (default: ${DEFAULT-VALUE}).")
  public int seconds;

  public Duration interval() {
    return Duration.ofSeconds(seconds);
  }
}
