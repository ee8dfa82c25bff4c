package io.moestream.moe.codec;

/**
 * One keyed piece of a trainer snapshot. The streaming job stores each as its own RocksDB value, so
 * a model is never a single blob; an entry larger than {@link EntryChunks#CHUNK_BYTES} is stored in
 * chunks, so no value approaches RocksDB's 2^31-byte limit.
 *
 * <p>Keys: {@code meta} (configs, step, RNG, optimizer ages, masks, routing records), {@code
 * shared} (every tensor not owned by an expert slot, with its AdamW moments), and {@code
 * slot/<layer>/<slot>} (one expert slot's tensors and moments).
 *
 * @param key the entry's key
 * @param bytes the encoded value (versioned, see {@link SnapshotCodec})
 */
public record SnapshotEntry(String key, byte[] bytes) {
  public SnapshotEntry {
    bytes = bytes.clone();
  }

  @Override
  public byte[] bytes() {
    return bytes.clone();
  }

  public static String slotKey(int layer, int slot) {
    return "slot/" + layer + "/" + slot;
  }
}
