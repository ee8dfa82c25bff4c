package io.moestream.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.moe.codec.EntryChunks;
import io.moestream.moe.codec.SnapshotCodec;
import java.io.DataInputStream;
import java.util.Iterator;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.api.common.state.MapState;
import org.junit.jupiter.api.Test;

/** The keyed map state as a store of entry chunks: what the trainer writes, readers join. */
class ModelEntriesTest {

  /** MapState over a plain map. */
  static final class MemoryMapState implements MapState<String, byte[]> {
    final Map<String, byte[]> map = new TreeMap<>();

    @Override
    public byte[] get(String key) {
      return map.get(key);
    }

    @Override
    public void put(String key, byte[] value) {
      map.put(key, value);
    }

    @Override
    public void putAll(Map<String, byte[]> m) {
      map.putAll(m);
    }

    @Override
    public void remove(String key) {
      map.remove(key);
    }

    @Override
    public boolean contains(String key) {
      return map.containsKey(key);
    }

    @Override
    public Iterable<Map.Entry<String, byte[]>> entries() {
      return map.entrySet();
    }

    @Override
    public Iterable<String> keys() {
      return map.keySet();
    }

    @Override
    public Iterable<byte[]> values() {
      return map.values();
    }

    @Override
    public Iterator<Map.Entry<String, byte[]>> iterator() {
      return map.entrySet().iterator();
    }

    @Override
    public boolean isEmpty() {
      return map.isEmpty();
    }

    @Override
    public void clear() {
      map.clear();
    }
  }

  private static byte[] payload(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] read(EntryChunks.Source store) {
    return SnapshotCodec.decode("shared", store, DataInputStream::readAllBytes);
  }

  @Test
  void chunksGoIntoTheMapStateAndARewriteInFewerChunksLeavesNoStaleOne() {
    MemoryMapState state = new MemoryMapState();
    EntryChunks.Store store = ModelEntries.of(state);
    byte[] big = payload(9000, 1);
    SnapshotCodec.encode("shared", o -> o.write(big), big.length, 1024, store);
    assertThat(state.map.keySet()).contains("shared", "shared#8").doesNotContain("shared#9");
    assertThat(state.map.values()).allSatisfy(v -> assertThat(v.length).isLessThanOrEqualTo(1024));
    assertThat(read(store)).isEqualTo(big);

    byte[] small = payload(1500, 2);
    SnapshotCodec.encode("shared", o -> o.write(small), small.length, 1024, store);
    assertThat(state.map.keySet()).containsExactly("shared", "shared#1");
    assertThat(read(store)).isEqualTo(small);
  }
}
