package io.moestream.moe.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.moestream.moe.config.EvoMoeConfig;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.model.CausalLm;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code config.json} beside the weights: the model's shape under the key names Hugging Face
 * configs use ({@code vocab_size}, {@code hidden_size}, {@code num_hidden_layers}, ...), so tools
 * that read those (model cards, parameter counters, loaders written against HF conventions) find
 * them where they look. {@code model_type} {@value #MODEL_TYPE} is this project's own: no {@code
 * transformers} class implements the model, and the config says so rather than borrowing another
 * architecture's name. {@code manifest.json} stays the authority (it also carries the training
 * config, the step and the active slots); this file is derived from it and listed in it.
 */
public final class HfConfig {
  public static final String FILE = "config.json";
  public static final String MODEL_TYPE = "moestream-moe";
  public static final String ARCHITECTURE = "MoeStreamForCausalLM";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private HfConfig() {}

  /** The config of a model of shape {@code c} tokenized by {@code tok}, key by key. */
  public static Map<String, Object> of(
      ModelConfig c, TokenizerSpec tok, List<List<Integer>> activeSlots) {
    RouterConfig r = c.router();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model_type", MODEL_TYPE);
    m.put("architectures", List.of(ARCHITECTURE));
    m.put("vocab_size", c.vocabSize());
    m.put("hidden_size", c.dModel());
    m.put("num_hidden_layers", c.layers());
    m.put("num_attention_heads", c.heads());
    m.put("max_position_embeddings", c.ctx());
    m.put("intermediate_size", c.dFf());
    m.put("hidden_act", "gelu");
    m.put("layer_norm_eps", Double.parseDouble(Float.toString(CausalLm.LAYER_NORM_EPS)));
    m.put("tie_word_embeddings", true);
    m.put("torch_dtype", "float32");
    m.put("bos_token_id", tok.specialIds().get("bos"));
    m.put("eos_token_id", tok.specialIds().get("eos"));
    m.put("pad_token_id", tok.specialIds().get("pad"));
    m.put("router", r.kind().cliName());
    m.put("num_experts", r.experts());
    m.put("max_num_experts", r.maxExperts());
    m.put("active_expert_slots", activeSlots);
    m.put("router_config", routerConfig(r));
    m.put("linear_weight_layout", "in_out");
    return m;
  }

  /** The router's hyper-parameters that decide routing and its losses, under snake_case names. */
  private static Map<String, Object> routerConfig(RouterConfig r) {
    // A switch expression: a new router kind does not compile until it says what it writes here.
    Map<String, Object> m =
        switch (r.kind()) {
          case DYNMOE ->
              ordered("aux_variant", r.auxVariant().name().toLowerCase(java.util.Locale.ROOT));
          case TOPK -> ordered("num_experts_per_tok", r.topK());
          case TOPP -> ordered("top_p", r.topP(), "entropy_loss_weight", r.entropyWeight());
          case NULL_EXPERTS ->
              ordered(
                  "num_experts_per_tok", r.topK(),
                  "num_null_experts", r.nullExperts(),
                  "aux_loss_weight_end", r.auxWeightEnd(),
                  "aux_loss_anneal_steps", r.annealSteps());
          case EVOMOE -> ordered("evomoe", evo(r.evo()));
          case DENSE -> ordered(); // one always-on expert: nothing to configure
        };
    m.put("aux_loss_weight", r.auxWeight());
    return m;
  }

  /** A mutable map of {@code key, value, key, value...} in the order given. */
  private static Map<String, Object> ordered(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }

  private static Map<String, Object> evo(EvoMoeConfig e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("warmup_steps", e.warmupSteps());
    m.put("evolution_steps", e.evolutionSteps());
    m.put("beta_low", e.betaLow());
    m.put("beta_high", e.betaHigh());
    m.put("hyper_hidden", e.hyperHidden());
    m.put("rank", e.rank());
    m.put("modalities", e.modalities());
    return m;
  }

  /** Writes {@link #FILE} into {@code dir}. */
  public static void write(Path dir, Map<String, Object> config) throws IOException {
    JSON.writeValue(dir.resolve(FILE).toFile(), config);
  }
}
