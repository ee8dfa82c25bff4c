package io.moestream.moe.lifecycle;

/**
 * How much evidence a recording window must hold before the {@link Lifecycle} changes a layer's
 * expert set. Both are zero in the design's rules (DESIGN §2.1, the official DynMoE): spawn on any
 * unrouted token, prune only an expert no token activated.
 *
 * @param minUnroutedShare spawn only when the window's unrouted tokens are at least this share of
 *     its tokens ({@code unroutedTokens >= minUnroutedShare × tokens}); in [0, 1)
 * @param pruneMaxShare also prune an active expert whose usage share — {@code R_E[slot] / Σ R_E},
 *     its share of the layer's token→expert assignments in the window, so of its expert compute —
 *     is below this; in [0, 1), 0 prunes only unused experts
 */
public record LifecycleRules(double minUnroutedShare, double pruneMaxShare) {
  /** The official rules: spawn on any unrouted token, prune only unused experts. */
  public static final LifecycleRules OFFICIAL = new LifecycleRules(0, 0);

  public LifecycleRules {
    if (!(minUnroutedShare >= 0 && minUnroutedShare < 1)) {
      throw new IllegalArgumentException(
          "minimum unrouted share must be in [0, 1), got " + minUnroutedShare);
    }
    if (!(pruneMaxShare >= 0 && pruneMaxShare < 1)) {
      throw new IllegalArgumentException(
          "maximum usage share for a prune must be in [0, 1), got " + pruneMaxShare);
    }
  }
}
