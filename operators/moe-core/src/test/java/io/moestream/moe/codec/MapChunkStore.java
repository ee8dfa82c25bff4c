package io.moestream.moe.codec;

import java.util.LinkedHashMap;
import java.util.Map;

/** A map as the store of entry chunks: what keyed state is to the job, for tests. */
public final class MapChunkStore implements EntryChunks.Store {
  public final Map<String, byte[]> values = new LinkedHashMap<>();

  @Override
  public void put(String key, byte[] chunk) {
    values.put(key, chunk);
  }

  @Override
  public byte[] get(String key) {
    return values.get(key);
  }

  @Override
  public void remove(String key) {
    values.remove(key);
  }
}
