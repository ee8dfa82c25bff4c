package io.moestream.moe.router;

import io.moestream.moe.config.KBudget;
import io.moestream.moe.config.RouterConfig;

/** The router a {@link RouterConfig} asks for. */
public final class Routers {
  private Routers() {}

  public static Router create(RouterConfig config) {
    return create(config, KBudget.off());
  }

  /**
   * The router for training under {@code budget}, whose gate options only DynMoE has.
   *
   * @throws IllegalArgumentException when the budget does not fit the router ({@link
   *     KBudget#requireFits})
   */
  public static Router create(RouterConfig config, KBudget budget) {
    budget.requireFits(config);
    return switch (config.kind()) {
      case DYNMOE ->
          new DynMoeRouter(
              config, new DynMoeGate.TrainingGate(budget.fallback(), budget.straightThrough()));
      case TOPK -> new TopKRouter(config);
      case TOPP -> new TopPRouter(config);
      case NULL_EXPERTS -> new NullExpertRouter(config);
      case DENSE -> new DenseRouter();
      case EVOMOE -> new EvoMoeRouter(config);
    };
  }
}
