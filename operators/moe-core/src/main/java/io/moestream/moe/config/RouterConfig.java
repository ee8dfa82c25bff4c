package io.moestream.moe.config;

import java.util.function.Consumer;

/**
 * Router hyper-parameters, validated once at construction.
 *
 * @param kind which router
 * @param experts experts active at start (DynMoE's E_init; the fixed E of every other router)
 * @param maxExperts preallocated expert slots (DynMoE's E_max; equals {@code experts} otherwise)
 * @param topK k of top-k and of AdaMoE's top-k over true + null experts
 * @param topP p of top-p routing
 * @param nullExperts AdaMoE's number of null experts
 * @param auxVariant DynMoE aux-loss flavour
 * @param auxWeight weight of the router's auxiliary (load-balance / DynMoE) loss
 * @param entropyWeight weight of top-p's router-entropy loss
 * @param auxWeightEnd AdaMoE annealing: the aux weight reached after {@code annealSteps}
 * @param annealSteps AdaMoE annealing length in steps (0 = no annealing)
 * @param evo EvoMoE's schedule, β ranges and DTR shape (the {@code evolve} spawn policy reads the β
 *     ranges too); {@link EvoMoeConfig#defaults()} for every other router
 */
public record RouterConfig(
    RouterKind kind,
    int experts,
    int maxExperts,
    int topK,
    double topP,
    int nullExperts,
    AuxVariant auxVariant,
    double auxWeight,
    double entropyWeight,
    double auxWeightEnd,
    long annealSteps,
    EvoMoeConfig evo)
    implements java.io.Serializable {

  public RouterConfig {
    require(kind != null, "router kind is required");
    require(experts >= 1, "experts must be >= 1, got " + experts);
    require(maxExperts >= experts, "max experts (" + maxExperts + ") < experts (" + experts + ")");
    if (kind != RouterKind.DYNMOE) {
      require(maxExperts == experts, kind.cliName() + " has a fixed expert set: emax == experts");
    }
    if (kind == RouterKind.DENSE) {
      require(experts == 1, "dense has exactly one expert");
    }
    require(topK >= 1, "top-k must be >= 1, got " + topK);
    if (kind == RouterKind.TOPK) {
      require(topK <= experts, "top-k (" + topK + ") > experts (" + experts + ")");
    }
    require(topP > 0 && topP <= 1, "top-p must be in (0, 1], got " + topP);
    require(nullExperts >= 0, "null experts must be >= 0");
    if (kind == RouterKind.NULL_EXPERTS) {
      require(nullExperts >= 1, "null-experts needs at least one null expert");
      require(topK <= experts + nullExperts, "top-k larger than true + null experts");
    }
    require(auxVariant != null, "aux variant is required");
    require(auxWeight >= 0 && Double.isFinite(auxWeight), "aux weight must be finite and >= 0");
    require(entropyWeight >= 0, "entropy weight must be >= 0");
    require(auxWeightEnd >= 0, "final aux weight must be >= 0");
    require(annealSteps >= 0, "anneal steps must be >= 0");
    require(evo != null, "EvoMoE config is required (EvoMoeConfig.defaults() when unused)");
    if (kind == RouterKind.EVOMOE) {
      require(experts >= 2, "evomoe needs at least 2 experts (1 trainable + evolved ones)");
      require(topK == 1, "evomoe's DTR routes top-1");
    }
  }

  /** DynMoE with the design's defaults: E_init 4, E_max 16, DeepSpeed aux loss weighted 0.01. */
  public static RouterConfig dynMoe(int eInit, int eMax) {
    return new RouterConfig(
        RouterKind.DYNMOE,
        eInit,
        eMax,
        1,
        0.4,
        0,
        AuxVariant.DEEPSPEED,
        0.01,
        0,
        0.01,
        0,
        EvoMoeConfig.defaults());
  }

  public static RouterConfig topK(int experts, int k) {
    return new RouterConfig(
        RouterKind.TOPK,
        experts,
        experts,
        k,
        0.4,
        0,
        AuxVariant.DEEPSPEED,
        0.01,
        0,
        0.01,
        0,
        EvoMoeConfig.defaults());
  }

  public static RouterConfig topP(int experts, double p) {
    return new RouterConfig(
        RouterKind.TOPP,
        experts,
        experts,
        1,
        p,
        0,
        AuxVariant.DEEPSPEED,
        0.01,
        1e-4,
        0.01,
        0,
        EvoMoeConfig.defaults());
  }

  /** AdaMoE with the loss weight annealed from tight (0.1) to loose (0.01) over 1,000 steps. */
  public static RouterConfig nullExperts(int experts, int nulls, int k) {
    return new RouterConfig(
        RouterKind.NULL_EXPERTS,
        experts,
        experts,
        k,
        0.4,
        nulls,
        AuxVariant.DEEPSPEED,
        0.1,
        0,
        0.01,
        1000,
        EvoMoeConfig.defaults());
  }

  /**
   * EvoMoE: E experts (expert 0 trainable, 1..E−1 evolved), DTR top-1 with the load-balancing loss
   * weighted α = 0.001 (the paper's value).
   */
  public static RouterConfig evoMoe(int experts, EvoMoeConfig evo) {
    return new RouterConfig(
        RouterKind.EVOMOE,
        experts,
        experts,
        1,
        0.4,
        0,
        AuxVariant.DEEPSPEED,
        0.001,
        0,
        0.001,
        0,
        evo);
  }

  public static RouterConfig dense() {
    return new RouterConfig(
        RouterKind.DENSE,
        1,
        1,
        1,
        0.4,
        0,
        AuxVariant.DEEPSPEED,
        0,
        0,
        0,
        0,
        EvoMoeConfig.defaults());
  }

  /** The aux weight in force at {@code step}: linear annealing when {@code annealSteps > 0}. */
  public double auxWeightAt(long step) {
    if (annealSteps == 0 || step >= annealSteps) {
      return annealSteps == 0 ? auxWeight : auxWeightEnd;
    }
    double f = (double) step / annealSteps;
    return auxWeight + f * (auxWeightEnd - auxWeight);
  }

  /** These settings with another (constant) aux-loss weight. */
  public RouterConfig withAuxWeight(double weight) {
    return copy(
        c -> {
          c.auxWeight = weight;
          c.auxWeightEnd = weight;
          c.annealSteps = 0;
        });
  }

  public RouterConfig withAuxVariant(AuxVariant variant) {
    return copy(c -> c.auxVariant = variant);
  }

  public RouterConfig withEvo(EvoMoeConfig e) {
    return copy(c -> c.evo = e);
  }

  /** These settings with what {@code change} sets on a mutable copy of them (validated again). */
  private RouterConfig copy(Consumer<Draft> change) {
    Draft d = new Draft(this);
    change.accept(d);
    return d.build();
  }

  /** The components of a {@link RouterConfig} being copied, some of them changed. */
  private static final class Draft {
    RouterKind kind;
    int experts;
    int maxExperts;
    int topK;
    double topP;
    int nullExperts;
    AuxVariant auxVariant;
    double auxWeight;
    double entropyWeight;
    double auxWeightEnd;
    long annealSteps;
    EvoMoeConfig evo;

    Draft(RouterConfig c) {
      kind = c.kind;
      experts = c.experts;
      maxExperts = c.maxExperts;
      topK = c.topK;
      topP = c.topP;
      nullExperts = c.nullExperts;
      auxVariant = c.auxVariant;
      auxWeight = c.auxWeight;
      entropyWeight = c.entropyWeight;
      auxWeightEnd = c.auxWeightEnd;
      annealSteps = c.annealSteps;
      evo = c.evo;
    }

    RouterConfig build() {
      return new RouterConfig(
          kind,
          experts,
          maxExperts,
          topK,
          topP,
          nullExperts,
          auxVariant,
          auxWeight,
          entropyWeight,
          auxWeightEnd,
          annealSteps,
          evo);
    }
  }

  static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
