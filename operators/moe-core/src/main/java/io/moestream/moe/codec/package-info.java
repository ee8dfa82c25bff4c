/**
 * Byte formats of a trainer snapshot, independent of where the bytes are kept (Flink keyed state,
 * an exported {@code trainer-state.bin}, a test's map): {@link SnapshotEntry} (one keyed piece:
 * {@code meta}, {@code shared}, {@code slot/<layer>/<slot>}), {@link SnapshotCodec} (magic,
 * version, payload and CRC-32, so a damaged or unknown entry is refused with a clear message) and
 * {@link EntryChunks} (an entry split into values RocksDB accepts, and joined again). What goes
 * into the entries is {@code train.TrainerSnapshots}' business. May import the JDK only: no
 * tensors, no other package of this library, and like all of moe-core never Flink, Avro or Kafka.
 */
package io.moestream.moe.codec;
