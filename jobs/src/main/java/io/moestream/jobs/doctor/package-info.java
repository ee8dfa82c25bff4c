/**
 * {@code moe doctor}: is this machine's engine fit to train? It prints what DJL loaded (DJL and
 * libtorch versions, the libtorch and JNI files actually mapped, flavor, threads, GPUs), then runs
 * the same small training run and one DynMoE conformance case on the CPU and on every GPU, and
 * compares each GPU with the CPU. A JNI built for another libtorch loads and then fails or computes
 * wrong numbers on the GPU; this is where a user finds out, in one line, before a long run. Imports
 * the MoE library, {@code jobs.cli} and {@code jobs.process} only: no Flink, Kafka or Avro.
 */
package io.moestream.jobs.doctor;
