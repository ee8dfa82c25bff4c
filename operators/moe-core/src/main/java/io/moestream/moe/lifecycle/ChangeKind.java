package io.moestream.moe.lifecycle;

/** What happened to an expert slot. Registry consumers must tolerate kinds added later. */
public enum ChangeKind {
  SPAWNED,
  PRUNED,
  /**
   * EvoMoE's schedule moved to its next stage (warm-up → evolution → DTR); model-wide: layer and
   * slot are -1 and {@link ExpertChange#stage()} names the stage entered.
   */
  STAGE_CHANGED
}
