package io.moestream.moe.config;

/** DynMoE auxiliary-loss flavours (DESIGN §2.1). */
public enum AuxVariant {
  /** Diversity + simplicity + load balance over routed tokens + efficiency (the default). */
  DEEPSPEED,
  /** Diversity + simplicity only. */
  TUTEL,
  /** Diversity + simplicity + the GShard load-balancing loss {@code E · Σ f_i P_i}. */
  GSHARD;

  public static AuxVariant parse(String text) {
    return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "deepspeed" -> DEEPSPEED;
      case "tutel" -> TUTEL;
      case "gshard" -> GSHARD;
      default ->
          throw new IllegalArgumentException(
              "unknown aux variant '" + text + "' (expected deepspeed, tutel, gshard)");
    };
  }
}
