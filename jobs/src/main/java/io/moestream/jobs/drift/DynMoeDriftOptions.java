package io.moestream.jobs.drift;

import picocli.CommandLine.Option;

/**
 * {@code bench drift}'s DynMoE knobs, the ones the issue-6 investigation turns (see
 * docs/results/drift-2026-11-24/experiments.md). They act on the DynMoE configurations only, and
 * every default is the design's rule, so a run without them measures DynMoE as specified.
 */
final class DynMoeDriftOptions {
  @Option(
      names = "--dynmoe-aux-weight",
      paramLabel = "W",
      defaultValue = "0.01",
      description =
          "Weight of the DynMoE routers' auxiliary loss (diversity, simplicity, balance,"
              + " efficiency) (default: ${DEFAULT-VALUE}).")
  double auxWeight;

  @Option(
      names = "--dynmoe-aux",
      paramLabel = "VARIANT",
      defaultValue = "deepspeed",
      description =
          "The DynMoE routers' aux-loss variant: deepspeed, tutel or gshard"
              + " (default: ${DEFAULT-VALUE}).")
  String aux;

  @Option(
      names = "--dynmoe-spawn",
      paramLabel = "POLICY",
      defaultValue = "copy-nearest",
      description =
          "The dynmoe configuration's spawn initialisation: copy-nearest, evolve or random"
              + " (dynmoe-evolve always evolves) (default: ${DEFAULT-VALUE}).")
  String spawn;

  @Option(
      names = "--dynmoe-spawn-min-unrouted",
      paramLabel = "SHARE",
      defaultValue = "0",
      description =
          "DynMoE spawns only when at least this share of a recording window's tokens went to no"
              + " expert; 0 is the design's rule, any unrouted token (default: ${DEFAULT-VALUE}).")
  double spawnMinUnrouted;

  @Option(
      names = "--dynmoe-prune-max-share",
      paramLabel = "SHARE",
      defaultValue = "0",
      description =
          "DynMoE also prunes an expert whose share of a window's token-expert assignments is"
              + " below this; 0 is the design's rule, only unused experts (default:"
              + " ${DEFAULT-VALUE}).")
  double pruneMaxShare;

  @Option(
      names = "--dynmoe-threshold-lr-scale",
      paramLabel = "X",
      defaultValue = "1",
      description =
          "The DynMoE thresholds G learn at --lr times this; 0 freezes them at their initial 0"
              + " (default: ${DEFAULT-VALUE}).")
  double thresholdLrScale;
}
