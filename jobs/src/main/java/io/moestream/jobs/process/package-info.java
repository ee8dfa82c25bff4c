/**
 * What the running process stands on, read from {@code /proc}: its resident memory ({@link
 * io.moestream.jobs.process.Rss}), the files mapped into it ({@link
 * io.moestream.jobs.process.ProcMaps}) and the malloc that serves it, told from those ({@link
 * io.moestream.jobs.process.Allocator}). No engine and no Flink: the benchmarks, the demo's memory
 * samples and {@code moe doctor} all ask here, so each question is answered in one place.
 */
package io.moestream.jobs.process;
