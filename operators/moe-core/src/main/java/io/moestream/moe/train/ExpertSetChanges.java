package io.moestream.moe.train;

import io.moestream.moe.lifecycle.ExpertChange;
import java.util.List;

/**
 * What an {@link ExpertSetPolicy} changed after one step.
 *
 * @param changes the changes in the order applied
 * @param refusedNoSlot layers whose spawn was refused for want of a free slot
 * @param refusedNonFinite layers whose spawn was refused for a non-finite direction
 */
public record ExpertSetChanges(
    List<ExpertChange> changes, int refusedNoSlot, int refusedNonFinite) {
  private static final ExpertSetChanges NONE = new ExpertSetChanges(List.of(), 0, 0);

  public ExpertSetChanges {
    changes = List.copyOf(changes);
  }

  public static ExpertSetChanges none() {
    return NONE;
  }
}
