package io.moestream.moe.train;

import java.util.Arrays;

/**
 * Which expert slots have changed since the last snapshot, so a checkpoint writes only those.
 *
 * <p>A slot changes when the optimizer updates it — only active slots are updated — or when the
 * lifecycle spawns into it. Marking the active set before a step (the slots that step updates) and
 * after it (the slots it spawned) therefore covers every change; a slot pruned at the end of a step
 * was active before it. Free slots keep their weights and moments bit-for-bit (see {@link AdamW}),
 * so their stored entries stay valid across any number of checkpoints.
 */
public final class ChangedSlots {
  private final boolean[][] changed;

  private ChangedSlots(boolean[][] changed) {
    this.changed = changed;
  }

  /** Every slot changed: a model that has never been snapshotted. */
  public static ChangedSlots all(int layers, int slots) {
    boolean[][] c = new boolean[layers][slots];
    for (boolean[] row : c) {
      Arrays.fill(row, true);
    }
    return new ChangedSlots(c);
  }

  /** No slot changed: a model just restored from the snapshot it would write. */
  public static ChangedSlots none(int layers, int slots) {
    return new ChangedSlots(new boolean[layers][slots]);
  }

  /** Marks every slot active in {@code active} ([layers][slots]) as changed. */
  public void markActive(boolean[][] active) {
    for (int l = 0; l < changed.length; l++) {
      for (int s = 0; s < changed[l].length; s++) {
        changed[l][s] |= active[l][s];
      }
    }
  }

  /** The changed set so far ([layers][slots], a copy), and a fresh start for the next snapshot. */
  public boolean[][] take() {
    boolean[][] out = new boolean[changed.length][];
    for (int l = 0; l < changed.length; l++) {
      out[l] = changed[l].clone();
      Arrays.fill(changed[l], false);
    }
    return out;
  }
}
