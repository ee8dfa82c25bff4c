/**
 * Text in, token windows out: {@link ByteTokenizer} (byte-level, a vocabulary fixed forever, so a
 * new language or script never changes the embedding shape mid-stream) and {@link TextCorpus} (text
 * domains served one after another: a deterministic hard drift for local training, the benchmarks
 * and the corpus producer; the trainer operator cuts its windows the same way). May import the JDK
 * only: no tensors, no other package of this library, never Flink, Avro or Kafka.
 */
package io.moestream.moe.data;
