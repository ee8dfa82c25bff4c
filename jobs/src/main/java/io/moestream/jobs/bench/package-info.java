/**
 * {@code moe bench}: training throughput of one configuration ({@code bench train}) put beside the
 * same process's matmul speed and counted model FLOPs, and the group that holds every benchmark
 * subcommand (the drift benchmark lives in {@code jobs.drift}, the pipeline and soak benchmarks
 * beside the streaming job in {@code jobs.stream}). Each prints one JSON line, so results from
 * different machines compare. A long {@code bench train} also shows its trend ({@code RunTenths}:
 * step time, the machine's matmul speed, resident memory and glibc malloc's own counts, {@code
 * NativeHeap}, per tenth of the run), since a mean hides a trainer that slows down or grows.
 * Imports the MoE library, {@code jobs.cli}, {@code jobs.local}, {@code jobs.process}, and {@code
 * jobs.drift} and {@code jobs.stream} for their benchmark commands; nothing imports it but the
 * entry point.
 */
package io.moestream.jobs.bench;
