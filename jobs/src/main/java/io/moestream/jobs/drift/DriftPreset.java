package io.moestream.jobs.drift;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The two regimes {@code bench drift} measures. {@link #SCRATCH}: every configuration starts from
 * random weights (our earlier benchmark; DynMoE E_init 4 / E_max 16 against a grid at E = 4 and 8).
 * {@link #UPCYCLED}: the DynMoE paper's regime — a dense model is first trained on a separate slice
 * of every domain, then every configuration starts from it with each expert a copy of the dense FFN
 * (DynMoE E_init 2 / E_max 4 against a grid at E = 4). The warm-up's compute is the same for every
 * configuration of a seed and is reported once.
 */
enum DriftPreset {
  SCRATCH("scratch", "from scratch", DriftConfig.TOP2_REFERENCE),
  UPCYCLED("upcycled", "upcycled from a dense warm-up", DriftConfig.gridName(4, 2));

  private final String id;
  private final String title;
  private final String top2;

  DriftPreset(String id, String title, String top2) {
    this.id = id;
    this.title = title;
    this.top2 = top2;
  }

  /** The name {@code --presets} takes and file names carry. */
  String id() {
    return id;
  }

  /** How the report's headings name it. */
  String title() {
    return title;
  }

  /**
   * The grid point whose expert FLOPs the budget is a share of, and whose forgetting is the bar.
   */
  String top2() {
    return top2;
  }

  boolean upcycled() {
    return this == UPCYCLED;
  }

  /** Every configuration this preset can run, in report order. */
  List<DriftConfig> all() {
    return this == SCRATCH ? DriftConfig.scratch() : DriftConfig.upcycled();
  }

  /** What runs without {@code --configs}: see {@link DriftConfig#SCRATCH_DEFAULT}. */
  List<DriftConfig> defaults() {
    return select(this == SCRATCH ? DriftConfig.SCRATCH_DEFAULT : DriftConfig.UPCYCLED_DEFAULT);
  }

  /** What {@code --quick} runs without {@code --configs}. */
  List<DriftConfig> quick() {
    return select(this == SCRATCH ? DriftConfig.SCRATCH_QUICK : DriftConfig.UPCYCLED_QUICK);
  }

  /** The names of {@code wanted} this preset knows (case-insensitive), in report order. */
  List<DriftConfig> select(List<String> wanted) {
    List<String> keys = wanted.stream().map(n -> n.strip().toLowerCase(Locale.ROOT)).toList();
    List<DriftConfig> out = new ArrayList<>();
    for (DriftConfig c : all()) {
      if (keys.contains(c.name().toLowerCase(Locale.ROOT))) {
        out.add(c);
      }
    }
    return out;
  }

  /**
   * The presets named in {@code names}, in declaration order.
   *
   * @throws IllegalArgumentException naming an unknown preset
   */
  static List<DriftPreset> parse(List<String> names) {
    List<DriftPreset> out = new ArrayList<>();
    for (String n : names) {
      DriftPreset p = byId(n.strip().toLowerCase(Locale.ROOT));
      if (!out.contains(p)) {
        out.add(p);
      }
    }
    out.sort(null);
    return out;
  }

  private static DriftPreset byId(String id) {
    for (DriftPreset p : values()) {
      if (p.id.equals(id)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "unknown preset '" + id + "' (expected scratch, upcycled or both, comma-separated)");
  }
}
