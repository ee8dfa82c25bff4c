package io.moestream.moe.router;

import io.moestream.moe.config.RouterConfig;

/** The router a {@link RouterConfig} asks for. */
public final class Routers {
  private Routers() {}

  public static Router create(RouterConfig config) {
    return switch (config.kind()) {
      case DYNMOE -> new DynMoeRouter(config);
      case TOPK -> new TopKRouter(config);
      case TOPP -> new TopPRouter(config);
      case NULL_EXPERTS -> new NullExpertRouter(config);
      case DENSE -> new DenseRouter();
      case EVOMOE -> new EvoMoeRouter(config);
    };
  }
}
