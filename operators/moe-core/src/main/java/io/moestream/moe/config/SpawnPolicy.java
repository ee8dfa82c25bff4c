package io.moestream.moe.config;

/** How a newly spawned expert's FFN weights are initialised (DESIGN §2.1). */
public enum SpawnPolicy {
  /** Copy the active expert whose gate column is most similar to R_S (the default). */
  COPY_NEAREST,
  /** Fresh random initialisation, as at model creation. */
  RANDOM,
  /**
   * EvoMoE-style: an evolved copy of the layer's most-used expert, {@code θ_new ← β θ_src + (1−β)
   * θ_slot} with β from the first EvoMoE β range (see docs/decisions.md).
   */
  EVOLVE;

  public static SpawnPolicy parse(String text) {
    return switch (text.trim().toLowerCase(java.util.Locale.ROOT).replace('_', '-')) {
      case "copy-nearest" -> COPY_NEAREST;
      case "random" -> RANDOM;
      case "evolve" -> EVOLVE;
      default ->
          throw new IllegalArgumentException(
              "unknown spawn policy '" + text + "' (expected copy-nearest, random, evolve)");
    };
  }
}
