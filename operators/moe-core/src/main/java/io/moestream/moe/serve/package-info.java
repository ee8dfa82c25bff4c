/**
 * An exported model as a directory a user can ship and load: {@link ModelExport} writes {@code
 * model.safetensors} ({@link SafeTensors}), optionally {@code trainer-state.bin}, and {@code
 * manifest.json} last ({@link Manifest}, with {@link Checksums} of the other files); {@link
 * MoeModel} verifies and loads it for inference ({@link Inference}: loss and each token's experts)
 * with the same {@code CausalLm} the trainer runs; {@link UpcycleSource} reads it as the source of
 * an upcycled trainer ({@code --init-from}). A file that does not load raises {@link
 * InvalidSnapshotException} with one line naming the file. The top of the library: may import DJL,
 * Jackson (the manifest is JSON) and every other package of moe-core; never Flink, Avro or Kafka.
 */
package io.moestream.moe.serve;
