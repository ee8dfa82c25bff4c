package io.moestream.moe.config;

/**
 * The shape of the causal LM (DESIGN §3), validated once.
 *
 * @param vocabSize token vocabulary (byte-level: 256 bytes + specials)
 * @param dModel embedding width d
 * @param layers number of transformer blocks L
 * @param heads attention heads (must divide d)
 * @param ctx context length (tokens a sequence window holds)
 * @param dFf hidden width of each expert's 2-layer GELU MLP
 * @param router the MoE FFN's router
 */
public record ModelConfig(
    int vocabSize, int dModel, int layers, int heads, int ctx, int dFf, RouterConfig router)
    implements java.io.Serializable {

  public ModelConfig {
    RouterConfig.require(vocabSize >= 2, "vocab size must be >= 2");
    RouterConfig.require(dModel >= 1, "d must be >= 1");
    RouterConfig.require(layers >= 1, "layers must be >= 1");
    RouterConfig.require(heads >= 1 && dModel % heads == 0, "heads must divide d (" + dModel + ")");
    RouterConfig.require(ctx >= 1, "ctx must be >= 1");
    RouterConfig.require(dFf >= 1, "expert hidden width must be >= 1");
    RouterConfig.require(router != null, "router config is required");
  }

  /** DESIGN §3's default: d=128, L=2, 4 heads, ctx 128, DynMoE E_init 4 / E_max 16. */
  public static ModelConfig defaults(int vocabSize) {
    return new ModelConfig(vocabSize, 128, 2, 4, 128, 256, RouterConfig.dynMoe(4, 16));
  }

  public ModelConfig withRouter(RouterConfig r) {
    return new ModelConfig(vocabSize, dModel, layers, heads, ctx, dFf, r);
  }

  /** Multiply-adds of one expert on one token, times 2: the FLOPs of one expert application. */
  public long expertFlopsPerToken() {
    return 2L * (2L * dModel * dFf);
  }
}
