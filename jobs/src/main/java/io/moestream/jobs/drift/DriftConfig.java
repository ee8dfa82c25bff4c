package io.moestream.jobs.drift;

import io.moestream.moe.config.EvoMoeConfig;
import io.moestream.moe.config.KBudget;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.RouterKind;
import io.moestream.moe.config.SpawnPolicy;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One contender of the drift benchmark: a name used on the command line and in every report, its
 * router, and how much wider than {@code --ff} its expert is. The lists are fixed here, in one
 * place, so that "the grid" always means the DynMoE paper's kind of (E, k) sweep and the report can
 * tell grid points (the frontier) from the other routers (points against it).
 *
 * @param name the name {@code --configs} selects and the report prints
 * @param router the router
 * @param ffMultiplier expert hidden width in units of {@code --ff}: 2 for the from-scratch dense,
 *     so that its one FFN costs what top-2's two active experts cost per token; 1 for the upcycled
 *     dense, which keeps the warm-up's own FFN
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

  /**
   * The from-scratch preset's default contenders: the two DynMoE variants, a 2 × 3 grid (the E = 16
   * row of the first benchmark never changed the frontier — E16 k4 was its best point by 0.028 nats
   * over E8 k4 at the same expert FLOPs — and cost the most wall time), top-p and dense. The other
   * baselines of the first benchmark stay selectable with {@code --configs}.
   */
  static final List<String> SCRATCH_DEFAULT =
      List.of(
          DYNMOE,
          DYNMOE_BUDGET,
          gridName(4, 1),
          gridName(4, 2),
          gridName(4, 4),
          gridName(8, 1),
          gridName(8, 2),
          gridName(8, 4),
          TOP_P,
          DENSE);

  /**
   * The upcycled preset's default contenders: the two DynMoE variants, the E = 4 grid and the dense
   * warm-up model trained on; its top-p stays selectable (left out to keep the whole default run
   * inside 30 minutes; the from-scratch preset has top-p).
   */
  static final List<String> UPCYCLED_DEFAULT =
      List.of(
          DYNMOE,
          DYNMOE_BUDGET,
          gridName(4, 1),
          gridName(4, 2),
          gridName(4, 3),
          gridName(4, 4),
          DENSE);

  /**
   * {@code --quick}'s from-scratch contenders: enough for every table, plot and verdict line to be
   * drawn (a frontier of two points, top-2), EvoMoE's pair for the uniformity table.
   */
  static final List<String> SCRATCH_QUICK =
      List.of(DYNMOE, DYNMOE_BUDGET, gridName(4, 1), TOP2_REFERENCE, EVOMOE, EVOMOE_REPLICATED);

  /** {@code --quick}'s upcycled contenders: a frontier of two points (one is top-2) and dense. */
  static final List<String> UPCYCLED_QUICK =
      List.of(DYNMOE, DYNMOE_BUDGET, gridName(4, 1), gridName(4, 2), DENSE);

  DriftConfig(String name, RouterConfig router, int ffMultiplier, boolean grid) {
    this(name, router, ffMultiplier, grid, SpawnPolicy.COPY_NEAREST);
  }

  DriftConfig(
      String name, RouterConfig router, int ffMultiplier, boolean grid, SpawnPolicy spawnPolicy) {
    this(name, router, ffMultiplier, grid, spawnPolicy, KBudget.off());
  }

  /** "DynMoE + budget" (issue 16): {@code router} held to K = 1.7, 85% of top-2's expert FLOPs. */
  private static DriftConfig budgeted(RouterConfig router) {
    return new DriftConfig(
        DYNMOE_BUDGET,
        router,
        1,
        false,
        SpawnPolicy.COPY_NEAREST,
        KBudget.of(DriftVerdict.K_TARGET));
  }

  private static final int[] SCRATCH_E = {4, 8, 16};
  private static final int[] SCRATCH_K = {1, 2, 4};
  private static final int[] UPCYCLED_K = {1, 2, 3, 4};

  /**
   * Every from-scratch configuration, in report order: DynMoE (and its variants), the grid, the
   * other baselines, then EvoMoE and its two replicated-expert references. The EvoMoE stage lengths
   * are placeholders here; {@link DriftSettings#model} applies {@code --evo-warmup} and {@code
   * --evo-evolution}.
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
  static List<DriftConfig> scratch() {
    List<DriftConfig> all = new ArrayList<>();
    all.add(new DriftConfig(DYNMOE, RouterConfig.dynMoe(4, 16), 1, false));
    all.add(budgeted(RouterConfig.dynMoe(4, 16)));
    all.add(
        new DriftConfig(DYNMOE_EVOLVE, RouterConfig.dynMoe(4, 16), 1, false, SpawnPolicy.EVOLVE));
    for (int e : SCRATCH_E) {
      for (int k : SCRATCH_K) {
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

  /**
   * Every upcycled configuration, in report order: the paper's DynMoE (E_init 2, E_max 4), the grid
   * at E = 4 (k = 3 too, so the frontier has a point between top-2 and top-4), top-p over 4
   * experts, and the dense warm-up model trained on as it is (its FFN is one expert wide: the width
   * every expert slot copies).
   */
  static List<DriftConfig> upcycled() {
    List<DriftConfig> all = new ArrayList<>();
    all.add(new DriftConfig(DYNMOE, RouterConfig.dynMoe(2, 4), 1, false));
    all.add(budgeted(RouterConfig.dynMoe(2, 4)));
    for (int k : UPCYCLED_K) {
      all.add(new DriftConfig(gridName(4, k), RouterConfig.topK(4, k), 1, true));
    }
    all.add(new DriftConfig(TOP_P, RouterConfig.topP(4, 0.4), 1, false));
    all.add(new DriftConfig(DENSE, RouterConfig.dense(), 1, false));
    return all;
  }

  static String gridName(int experts, int k) {
    return "top-k-E" + experts + "-k" + k;
  }

  /**
   * Checks that every name in {@code names} belongs to at least one of {@code presets}.
   *
   * @throws IllegalArgumentException naming an unknown name and listing the known ones
   */
  static void requireKnown(List<String> names, List<DriftPreset> presets) {
    Set<String> known = new LinkedHashSet<>();
    for (DriftPreset p : presets) {
      p.all().forEach(c -> known.add(c.name()));
    }
    Set<String> lower = new LinkedHashSet<>();
    known.forEach(k -> lower.add(k.toLowerCase(Locale.ROOT)));
    for (String n : names) {
      if (!lower.contains(n.strip().toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException(
            "unknown configuration '" + n + "' (expected one of " + String.join(", ", known) + ")");
      }
    }
  }

  /** DynMoE, whatever its spawn policy or budget: spawn timings and final gates are reported. */
  boolean isDynMoe() {
    return router.kind() == RouterKind.DYNMOE;
  }

  boolean isEvoMoe() {
    return router.kind() == RouterKind.EVOMOE;
  }
}
