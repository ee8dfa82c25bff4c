package io.moestream.jobs.cli;

import io.moestream.moe.config.AuxVariant;
import io.moestream.moe.config.EvoMoeConfig;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.RouterKind;
import io.moestream.moe.data.ByteTokenizer;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The model's shape and router as flags, shared by every command that builds a model so that {@code
 * train-local}, {@code bench} and {@code demo} always mean the same thing by {@code --d}.
 * Validation is left to {@link ModelConfig} and {@link RouterConfig}: one rule, one message.
 */
public final class ModelOptions {
  @Option(
      names = "--d",
      paramLabel = "N",
      defaultValue = "128",
      description = "Embedding width d (default: ${DEFAULT-VALUE}).")
  int d;

  @Option(
      names = "--layers",
      paramLabel = "N",
      defaultValue = "2",
      description = "Transformer blocks, each with one MoE layer (default: ${DEFAULT-VALUE}).")
  int layers;

  @Option(
      names = "--heads",
      paramLabel = "N",
      defaultValue = "4",
      description = "Attention heads; must divide d (default: ${DEFAULT-VALUE}).")
  int heads;

  @Option(
      names = "--ctx",
      paramLabel = "N",
      defaultValue = "128",
      description = "Context length: tokens per training sequence (default: ${DEFAULT-VALUE}).")
  int ctx;

  @Option(
      names = "--ff",
      paramLabel = "N",
      defaultValue = "256",
      description = "Hidden width of each expert's GELU MLP (default: ${DEFAULT-VALUE}).")
  int ff;

  @Option(
      names = "--router",
      paramLabel = "ROUTER",
      defaultValue = "dynmoe",
      converter = Converters.Router.class,
      description =
          "Router: dynmoe, top-k, top-p, null-experts, dense or evomoe (default: ${DEFAULT-VALUE}).")
  RouterKind router;

  @Option(
      names = "--experts",
      paramLabel = "N",
      defaultValue = "4",
      description =
          "Experts at start (DynMoE's E_init; the fixed E of the other routers; dense ignores it)"
              + " (default: ${DEFAULT-VALUE}).")
  int experts;

  @Option(
      names = "--emax",
      paramLabel = "N",
      defaultValue = "16",
      description =
          "DynMoE's preallocated expert slots E_max; other routers use --experts"
              + " (default: ${DEFAULT-VALUE}).")
  int emax;

  @Option(
      names = "--top-k",
      paramLabel = "K",
      defaultValue = "2",
      description = "k of top-k and null-experts routing (default: ${DEFAULT-VALUE}).")
  int topK;

  @Option(
      names = "--top-p",
      paramLabel = "P",
      defaultValue = "0.4",
      description = "p of top-p routing (default: ${DEFAULT-VALUE}).")
  double topP;

  @Option(
      names = "--null-experts",
      paramLabel = "N",
      defaultValue = "4",
      description = "Null experts of null-experts (AdaMoE) routing (default: ${DEFAULT-VALUE}).")
  int nullExperts;

  @Option(
      names = "--aux",
      paramLabel = "VARIANT",
      defaultValue = "deepspeed",
      converter = Converters.Aux.class,
      description =
          "DynMoE aux-loss variant: deepspeed, tutel or gshard (default: ${DEFAULT-VALUE}).")
  AuxVariant aux;

  /** The router config; throws IllegalArgumentException naming the offending value. */
  @Mixin EvoScheduleOptions evo = new EvoScheduleOptions();

  public RouterConfig toRouterConfig() {
    RouterConfig r =
        switch (router) {
          case DYNMOE -> RouterConfig.dynMoe(experts, emax);
          case TOPK -> RouterConfig.topK(experts, topK);
          case TOPP -> RouterConfig.topP(experts, topP);
          case NULL_EXPERTS -> RouterConfig.nullExperts(experts, nullExperts, topK);
          case DENSE -> RouterConfig.dense();
          case EVOMOE -> RouterConfig.evoMoe(experts, evo.apply(EvoMoeConfig.defaults()));
        };
    return r.withAuxVariant(aux);
  }

  /** The byte-level model config; throws IllegalArgumentException naming the offending value. */
  public ModelConfig toConfig() {
    return new ModelConfig(ByteTokenizer.VOCAB_SIZE, d, layers, heads, ctx, ff, toRouterConfig());
  }
}
