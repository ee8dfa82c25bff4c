/**
 * The causal language model, written like its equations: {@link CausalLm} (embeddings, attention
 * and MoE blocks, tied head, loss) with {@link RoutedExperts} (each expert runs on its routed
 * tokens only, never a dense tokens × experts dispatch) or {@link GroupedExperts} (the same, all of
 * a layer's experts in one padded batched matmul per projection; {@link ExpertDispatch} chooses),
 * {@link ModelInit} (nanoGPT's initialisation) and host-side statistics ({@link LayerStats}, {@link
 * ExpertUniformity}). The model holds no tensors of its own: parameters live in {@code
 * tensor.ParameterStore}, per-step tensors in the caller's manager. May import DJL and the tensor,
 * config, router and lifecycle packages; never train or serve, Flink, Avro or Kafka.
 */
package io.moestream.moe.model;
