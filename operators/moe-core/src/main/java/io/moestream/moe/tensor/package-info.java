/**
 * The tensor layer under everything else: {@link ParameterStore} (every trainable {@link Param} by
 * name, owned by one long-lived manager; {@link FlatParams}, groups of them packed into one buffer
 * so an optimizer updates a group in one call per operation), {@link Autograd} (per-thread grad
 * mode on libtorch, so several trainers share a JVM), {@link Rng} (a seedable generator a snapshot
 * can store) and the helpers that keep training reproducible from its seed ({@link HostFloats},
 * {@link Rows}, {@link Scalars}; each says which DJL shortcut it replaces and why; {@link
 * ConstantTensors}, constants made once per device), {@link DeviceChoice} (cpu, gpu or auto,
 * resolved to a DJL device against the GPUs the engine sees), {@link DeviceReads} (every
 * device→host read of tensor values, counted per thread), {@link HostMemory} (a CPU tensor's own
 * memory as a Java buffer, for element-wise passes in Java), and {@link Precision} (fp32 or bf16
 * matmuls; {@link Bf16Kernels} decides native or emulated bf16 from the loaded JNI). May import DJL
 * (the API and its PyTorch engine) and SLF4J (Bf16Kernels says once which bf16 it chose) only: no
 * other package of this library, never Flink, Avro or Kafka.
 */
package io.moestream.moe.tensor;
