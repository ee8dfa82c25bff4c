package io.moestream.jobs.drift;

import java.util.List;

/**
 * One preset's results: every configuration's runs over the seeds, and the dense warm-ups they
 * started from (empty for the from-scratch preset).
 *
 * @param preset the preset
 * @param summaries per configuration, in report order
 * @param warmUps per seed, in seed order; empty when the preset has no warm-up
 */
record DriftResults(
    DriftPreset preset, List<DriftSummary> summaries, List<DriftWarmUp.Result> warmUps) {

  DriftResults {
    summaries = List.copyOf(summaries);
    warmUps = List.copyOf(warmUps);
  }

  /** A run every table can take the stream's shape from (domains, steps, switches). */
  DriftRun reference() {
    return summaries.get(0).runs().get(0);
  }

  /** Total compute of the warm-ups: each seed's is shared by every configuration of the seed. */
  double warmUpFlops() {
    return warmUps.stream().mapToDouble(DriftWarmUp.Result::totalFlops).sum();
  }
}
