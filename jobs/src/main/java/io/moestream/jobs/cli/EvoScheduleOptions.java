package io.moestream.jobs.cli;

import io.moestream.moe.config.EvoMoeConfig;
import picocli.CommandLine.Option;

/** EvoMoE's stage lengths as flags, shared by the model flags and {@code bench drift}. */
public final class EvoScheduleOptions {
  @Option(
      names = "--evo-warmup",
      paramLabel = "STEPS",
      defaultValue = "100",
      description =
          "EvoMoE: dense warm-up steps before expert evolution (default: ${DEFAULT-VALUE}).")
  public long warmup;

  @Option(
      names = "--evo-evolution",
      paramLabel = "STEPS",
      defaultValue = "100",
      description =
          "EvoMoE: expert-evolution steps before the DTR router takes over (default: ${DEFAULT-VALUE}).")
  public long evolution;

  /** {@code base} with these stage lengths. */
  EvoMoeConfig apply(EvoMoeConfig base) {
    return base.withSchedule(warmup, evolution);
  }
}
