package io.moestream.moe.lifecycle;

/** What happened to an expert slot. Registry consumers must tolerate kinds added later. */
public enum ChangeKind {
  SPAWNED,
  PRUNED
}
