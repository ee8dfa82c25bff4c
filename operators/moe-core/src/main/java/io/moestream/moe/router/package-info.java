/**
 * The routers that decide, per token, which experts of a layer run and with what weight. Start with
 * {@link Router} and {@link Routing} (its result), then {@link DynMoeGate} (DynMoE's top-any gate
 * as a pure function; {@link DynMoeRouter} adds its aux loss, {@link DynMoeAux}); the others are
 * {@link TopKRouter}, {@link TopPRouter}, {@link NullExpertRouter} (AdaMoE) and {@link
 * EvoMoeRouter} with {@link DtrRouter}, sharing {@link SoftmaxGate}, and {@link DenseRouter} as a
 * reference. {@link Routers} builds the one a {@code RouterConfig} asks for. Routers hold no
 * tensors (their parameters are named entries of the parameter store). May import DJL and the
 * tensor and config packages; never model, train or serve, Flink, Avro or Kafka.
 */
package io.moestream.moe.router;
