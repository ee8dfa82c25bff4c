package io.moestream.jobs.drift;

import io.moestream.moe.config.EvoMoeConfig;
import io.moestream.moe.config.KBudget;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.RouterKind;
import io.moestream.moe.config.SpawnPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One contender of the drift benchmark: a name used on the command line and in every report, its
 * router, and how much wider than {@code --ff} its expert is. The list is fixed here, in one place,
 * so that "the grid" always means the DynMoE paper's kind of (E, k) sweep and the report can tell
 * grid points from the other baselines.
 *
 * @param name the name {@code --configs} selects and the report prints
 * @param router the router
 * @param ffMultiplier expert hidden width in units of {@code --ff}: 2 for dense, so that its one
 *     FFN costs what top-2's two active experts cost per token
 * @param grid true for the softmax top-k (E, k) grid points
 * @param spawnPolicy DynMoE's spawn initialisation ({@code copy-nearest} unless a variant says
 *     otherwise)
 * @param budget DynMoE's compute budget ({@link KBudget#off()} unless a variant says otherwise)
 */
record DriftConfig(
    String name,
    RouterConfig router,
    int ffMultiplier,
    boolean grid,
    SpawnPolicy spawnPolicy,
    KBudget budget) {
  static final String DYNMOE = "dynmoe";
  static final String DYNMOE_BUDGET = "dynmoe-budget";
  static final String TOP2_REFERENCE = "top-k-E8-k2";
  static final String TOP_P = "top-p";
  static final String NULL_EXPERTS = "null-experts";
  static final String DENSE = "dense";
  static final String DYNMOE_EVOLVE = "dynmoe-evolve";
  static final String EVOMOE = "evomoe";
  static final String EVOMOE_REPLICATED = "evomoe-replicated";
  static final String MOE_TUNING = "moe-tuning";
  static final String EVOMOE_UNFROZEN = "evomoe-unfrozen";

  /** {@code --quick}'s contenders: enough for every plot and verdict line to be drawn. */
  static final List<String> QUICK =
      List.of(
          DYNMOE,
          DYNMOE_EVOLVE,
          "top-k-E4-k1",
          TOP2_REFERENCE,
          TOP_P,
          NULL_EXPERTS,
          DENSE,
          EVOMOE,
          EVOMOE_REPLICATED,
          MOE_TUNING);

  DriftConfig(String name, RouterConfig router, int ffMultiplier, boolean grid) {
    this(name, router, ffMultiplier, grid, SpawnPolicy.COPY_NEAREST);
  }

  DriftConfig(
      String name, RouterConfig router, int ffMultiplier, boolean grid, SpawnPolicy spawnPolicy) {
    this(name, router, ffMultiplier, grid, spawnPolicy, KBudget.off());
  }

  private static final int[] GRID_E = {4, 8, 16};
  private static final int[] GRID_K = {1, 2, 4};

  /**
   * Every configuration, in report order: DynMoE (its {@code evolve} spawn variant, and DynMoE +
   * budget at K = 1.7), the grid, the other baselines, then EvoMoE and its two replicated-expert
   * references. The EvoMoE stage lengths are placeholders here; {@link DriftSettings#model} applies
   * {@code --evo-warmup} and {@code --evo-evolution}.
   *
   * <ul>
   *   <li>{@code evomoe}: warm-up → evolution → DTR, training what the paper trains per stage;
   *   <li>{@code evomoe-replicated}: the same schedule and freezing with the blend off, so the
   *       experts are plain copies of the dense FFN when the DTR starts (the uniformity reference);
   *   <li>{@code moe-tuning}: replicated experts that keep training with everything else under the
   *       DTR (MoE-LLaVA's stage III with EvoMoE's router);
   *   <li>{@code evomoe-unfrozen}: evolved experts, then everything trains under the DTR (separates
   *       the effect of the evolution from that of the paper's freezing).
   * </ul>
   */
  static List<DriftConfig> all() {
    List<DriftConfig> all = new ArrayList<>();
    all.add(new DriftConfig(DYNMOE, RouterConfig.dynMoe(4, 16), 1, false));
    all.add(
        new DriftConfig(DYNMOE_EVOLVE, RouterConfig.dynMoe(4, 16), 1, false, SpawnPolicy.EVOLVE));
    // "DynMoE + budget" (issue 16): K = 1.7, 85% of top-2's expert FLOPs
    all.add(
        new DriftConfig(
            DYNMOE_BUDGET,
            RouterConfig.dynMoe(4, 16),
            1,
            false,
            SpawnPolicy.COPY_NEAREST,
            KBudget.of(1.7)));
    for (int e : GRID_E) {
      for (int k : GRID_K) {
        all.add(new DriftConfig(gridName(e, k), RouterConfig.topK(e, k), 1, true));
      }
    }
    all.add(new DriftConfig(TOP_P, RouterConfig.topP(8, 0.4), 1, false));
    all.add(new DriftConfig(NULL_EXPERTS, RouterConfig.nullExperts(8, 8, 2), 1, false));
    all.add(new DriftConfig(DENSE, RouterConfig.dense(), 2, false));
    EvoMoeConfig evo = EvoMoeConfig.paper(100, 100);
    all.add(new DriftConfig(EVOMOE, RouterConfig.evoMoe(4, evo), 1, false));
    all.add(
        new DriftConfig(
            EVOMOE_REPLICATED, RouterConfig.evoMoe(4, evo.withEvolve(false)), 1, false));
    all.add(
        new DriftConfig(
            MOE_TUNING,
            RouterConfig.evoMoe(4, evo.withEvolve(false).withPaperFreezing(false)),
            1,
            false));
    all.add(
        new DriftConfig(
            EVOMOE_UNFROZEN, RouterConfig.evoMoe(4, evo.withPaperFreezing(false)), 1, false));
    return all;
  }

  static String gridName(int experts, int k) {
    return "top-k-E" + experts + "-k" + k;
  }

  /**
   * The configurations named in {@code names} (case-insensitive), in report order.
   *
   * @throws IllegalArgumentException naming an unknown name and listing the known ones
   */
  static List<DriftConfig> select(List<String> names) {
    Map<String, DriftConfig> byName = new LinkedHashMap<>();
    for (DriftConfig c : all()) {
      byName.put(c.name().toLowerCase(Locale.ROOT), c);
    }
    List<String> wanted = new ArrayList<>();
    for (String n : names) {
      String key = n.strip().toLowerCase(Locale.ROOT);
      if (!byName.containsKey(key)) {
        throw new IllegalArgumentException(
            "unknown configuration '" + n + "' (expected one of " + knownNames() + ")");
      }
      wanted.add(key);
    }
    List<DriftConfig> out = new ArrayList<>();
    for (Map.Entry<String, DriftConfig> e : byName.entrySet()) {
      if (wanted.contains(e.getKey())) {
        out.add(e.getValue());
      }
    }
    return out;
  }

  private static List<String> knownNames() {
    return all().stream().map(DriftConfig::name).toList();
  }

  /** DynMoE, whatever its spawn policy: spawn timings and final gates are reported. */
  boolean isDynMoe() {
    return router.kind() == RouterKind.DYNMOE;
  }

  boolean isEvoMoe() {
    return router.kind() == RouterKind.EVOMOE;
  }
}
