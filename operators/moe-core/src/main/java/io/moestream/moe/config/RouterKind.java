package io.moestream.moe.config;

/** The routers an MoE layer can use; all implement {@link io.moestream.moe.router.Router}. */
public enum RouterKind {
  /** DynMoE top-any gating (DESIGN §2.1): per-token number of experts, adaptive expert set. */
  DYNMOE,
  /** Softmax top-k with the GShard/Switch load-balancing loss (the baseline, DESIGN §2.5). */
  TOPK,
  /** Top-p dynamic routing (Huang et al. 2024, DESIGN §2.2). */
  TOPP,
  /** AdaMoE: top-k over true plus null experts (DESIGN §2.3). */
  NULL_EXPERTS,
  /** A dense FFN: one always-on expert, no router (a benchmark reference). */
  DENSE,
  /** EvoMoE (DESIGN §2.4): warm-up, expert evolution, then the Dynamic Token-aware Router. */
  EVOMOE;

  /** Parses {@code dynmoe}, {@code top-k}, {@code topk}, {@code top-p}, {@code null-experts}... */
  public static RouterKind parse(String text) {
    String t = text.trim().toLowerCase(java.util.Locale.ROOT).replace("-", "").replace("_", "");
    return switch (t) {
      case "dynmoe", "topany" -> DYNMOE;
      case "topk", "gshard", "switch" -> TOPK;
      case "topp" -> TOPP;
      case "nullexperts", "adamoe", "null" -> NULL_EXPERTS;
      case "dense" -> DENSE;
      case "evomoe", "dtr" -> EVOMOE;
      default ->
          throw new IllegalArgumentException(
              "unknown router '"
                  + text
                  + "' (expected dynmoe, top-k, top-p, null-experts, dense, evomoe)");
    };
  }

  /** The spelling used on the command line and in reports. */
  public String cliName() {
    return switch (this) {
      case DYNMOE -> "dynmoe";
      case TOPK -> "top-k";
      case TOPP -> "top-p";
      case NULL_EXPERTS -> "null-experts";
      case DENSE -> "dense";
      case EVOMOE -> "evomoe";
    };
  }
}
