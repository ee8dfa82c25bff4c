package io.moestream.moe.config;

/** How a newly spawned expert's FFN weights are initialised (DESIGN §2.1). */
public enum SpawnPolicy {
  /** Copy the active expert whose gate column is most similar to R_S (the default). */
  COPY_NEAREST,
  /** Fresh random initialisation, as at model creation. */
  RANDOM;

  public static SpawnPolicy parse(String text) {
    return switch (text.trim().toLowerCase(java.util.Locale.ROOT).replace('_', '-')) {
      case "copy-nearest" -> COPY_NEAREST;
      case "random" -> RANDOM;
      default ->
          throw new IllegalArgumentException(
              "unknown spawn policy '" + text + "' (expected copy-nearest, random)");
    };
  }
}
