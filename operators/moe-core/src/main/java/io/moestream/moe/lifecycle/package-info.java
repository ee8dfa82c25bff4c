/**
 * DynMoE's expert lifecycle: what the routing of a recording window decides about a layer's expert
 * set after the optimizer step. {@link Lifecycle} prunes experts no token activated (and, under
 * {@link LifecycleRules}, experts with a low usage share) and spawns one for the unrouted tokens
 * when enough of them went nowhere (or reports a {@link SpawnRefusal}); {@link RoutingRecords}
 * collects the window's counts on the host, {@code config.RecordingWindow} says when a window ends,
 * and every change leaves the library as an immutable {@link ExpertChange} (the job turns each into
 * a registry event). Only gate tensors and the slot mask change here; the trainer initialises
 * spawned experts. May import DJL and the tensor, config and router packages ({@code
 * RoutingRecords} reads a routing's {@code SelectedExperts}); never train or serve (the trainer
 * calls the lifecycle, not the reverse), Flink, Avro or Kafka.
 */
package io.moestream.moe.lifecycle;
