package io.moestream.moe.lifecycle;

/**
 * An immutable record of one change to a layer's expert set — the streaming job turns each into a
 * registry event. Arrays are defensive copies.
 *
 * @param layer MoE layer index
 * @param slot expert slot
 * @param kind spawned or pruned
 * @param step the optimizer step after which the change was applied
 * @param direction spawn only: the new gate column R_S/||R_S|| (d,); empty for prunes
 * @param threshold spawn only: the new raw threshold G (0); NaN for prunes
 * @param windowTokens tokens the recording window saw in this layer
 * @param unroutedTokens of those, tokens with k = 0
 * @param activations the slot's R_E in the window (0 for a fresh spawn and for a prune of an unused
 *     expert; the slot's count for a prune on a low usage share)
 * @param activeAfter active experts in the layer after this change
 * @param initialisedFrom spawn only: the slot whose FFN was copied, or -1 (random / prune)
 * @param stage stage changes only: the EvoMoE stage entered ({@code EVOLUTION}, {@code DTR}); ""
 *     for spawns and prunes
 * @param triggerShare the evidence the change was taken on: for a spawn the window's unrouted share
 *     ({@code unroutedTokens / windowTokens}), for a prune the slot's usage share ({@code R_E / Σ
 *     R_E} over the layer's active slots; 0 for an unused expert); NaN for a stage change
 */
public record ExpertChange(
    int layer,
    int slot,
    ChangeKind kind,
    long step,
    double[] direction,
    double threshold,
    long windowTokens,
    long unroutedTokens,
    long activations,
    int activeAfter,
    int initialisedFrom,
    String stage,
    double triggerShare) {

  public ExpertChange {
    direction = direction.clone();
    stage = stage == null ? "" : stage;
  }

  /**
   * A spawn or prune without a recorded {@link #triggerShare}: a spawn's is its window's unrouted
   * share, a prune's is taken as 0 (an unused expert, the design's only prune).
   */
  public ExpertChange(
      int layer,
      int slot,
      ChangeKind kind,
      long step,
      double[] direction,
      double threshold,
      long windowTokens,
      long unroutedTokens,
      long activations,
      int activeAfter,
      int initialisedFrom) {
    this(
        layer,
        slot,
        kind,
        step,
        direction,
        threshold,
        windowTokens,
        unroutedTokens,
        activations,
        activeAfter,
        initialisedFrom,
        "",
        kind == ChangeKind.SPAWNED ? share(unroutedTokens, windowTokens) : 0);
  }

  /** {@code part / whole}, 0 when {@code whole} is 0. */
  static double share(long part, long whole) {
    return whole == 0 ? 0 : (double) part / whole;
  }

  /**
   * A model-wide EvoMoE stage change, applied after step {@code step}'s update.
   *
   * @param experts experts per layer (all active)
   */
  public static ExpertChange stageChanged(long step, String stage, int experts) {
    return new ExpertChange(
        -1,
        -1,
        ChangeKind.STAGE_CHANGED,
        step,
        new double[0],
        Double.NaN,
        0,
        0,
        0,
        experts,
        -1,
        stage,
        Double.NaN);
  }

  @Override
  public double[] direction() {
    return direction.clone();
  }

  public ExpertChange withInitialisedFrom(int from) {
    return new ExpertChange(
        layer,
        slot,
        kind,
        step,
        direction,
        threshold,
        windowTokens,
        unroutedTokens,
        activations,
        activeAfter,
        from,
        stage,
        triggerShare);
  }

  @Override
  public String toString() {
    if (kind == ChangeKind.STAGE_CHANGED) {
      return kind + " stage=" + stage + " step=" + step;
    }
    return kind
        + " layer="
        + layer
        + " slot="
        + slot
        + " step="
        + step
        + " active="
        + activeAfter
        + " window(tokens="
        + windowTokens
        + ", unrouted="
        + unroutedTokens
        + ")"
        + " share="
        + String.format(java.util.Locale.ROOT, "%.4f", triggerShare)
        + (initialisedFrom >= 0 ? " from=" + initialisedFrom : "");
  }
}
