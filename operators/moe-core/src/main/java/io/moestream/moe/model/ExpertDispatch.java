package io.moestream.moe.model;

import java.util.Locale;

/**
 * How a layer's routed tokens reach its experts. Both compute the same function (to float rounding:
 * the matmuls sum in a different order); they differ only in how many libtorch calls a layer needs.
 */
public enum ExpertDispatch {
  /**
   * One gather, then per active expert its own {@code w1 → gelu → w2} (two matmuls each), then one
   * gather back ({@link RoutedExperts}). The default, and what every release has done.
   */
  PER_EXPERT,
  /**
   * Every active expert of a layer in one padded batched matmul per projection: the experts'
   * weights stacked to (E_active, d, f) and (E_active, f, d), each expert's tokens padded to the
   * layer's largest group ({@link GroupedExperts}). A constant number of calls per layer, whatever
   * the number of experts.
   */
  GROUPED;

  /** The spelling on the command line and in JSON: {@code per-expert}, {@code grouped}. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The dispatch spelled {@code name} ({@code per-expert} or {@code grouped}). */
  public static ExpertDispatch parse(String name) {
    for (ExpertDispatch d : values()) {
      if (d.cliName().equals(name)) {
        return d;
      }
    }
    throw new IllegalArgumentException(
        "unknown expert dispatch '" + name + "' (expected per-expert or grouped)");
  }
}
