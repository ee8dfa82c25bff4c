package io.moestream.moe.train;

import io.moestream.moe.config.RouterConfig;

/**
 * The {@link ExpertSetPolicy} a {@link RouterConfig} asks for — the counterpart of {@link
 * io.moestream.moe.router.Routers}, called right beside it.
 */
final class ExpertSetPolicies {
  private ExpertSetPolicies() {}

  static ExpertSetPolicy create(RouterConfig config, ExpertSetContext parts) {
    return switch (config.kind()) {
      case DYNMOE -> new DynMoeExpertSet(parts);
      case EVOMOE -> new EvoMoeSchedule(config.evo(), parts);
      case TOPK, TOPP, NULL_EXPERTS, DENSE -> new FixedExpertSet(parts);
    };
  }
}
