package io.moestream.state;

import io.moestream.moe.codec.EntryChunks;
import org.apache.flink.api.common.state.MapState;

/**
 * {@link TrainerState#MODEL_ENTRIES} of the current key as a store of entry chunks ({@link
 * EntryChunks}): what the trainer writes at a checkpoint and what it, the snapshot exporter and
 * tests read back, all through {@code TrainerSnapshots}, so they agree on the chunk layout.
 */
public final class ModelEntries {
  private ModelEntries() {}

  /** The model entries of the key the state is currently scoped to. */
  public static EntryChunks.Store of(MapState<String, byte[]> entries) {
    return new EntryChunks.Store() {
      @Override
      public void put(String storedKey, byte[] chunk) throws Exception {
        entries.put(storedKey, chunk);
      }

      @Override
      public byte[] get(String storedKey) throws Exception {
        return entries.get(storedKey);
      }

      @Override
      public void remove(String storedKey) throws Exception {
        entries.remove(storedKey);
      }

      @Override
      public void completed(String key, int chunks) throws Exception {
        // contains() instead of get(): a stale chunk is not read just to be removed
        for (int i = Math.max(chunks, 1); entries.contains(EntryChunks.chunkKey(key, i)); i++) {
          entries.remove(EntryChunks.chunkKey(key, i));
        }
      }
    };
  }
}
