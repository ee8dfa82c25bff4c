package io.moestream.moe.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Entries split into chunks join back to exactly the bytes of the whole entry, at any size. */
class EntryChunksTest {

  private static byte[] read(String key, EntryChunks.Source source) {
    return SnapshotCodec.decode(key, source, DataInputStream::readAllBytes);
  }

  private static byte[] payload(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void chunkKeysKeepTheEntryKeyForTheFirstChunk() {
    assertThat(EntryChunks.chunkKey("shared", 0)).isEqualTo("shared");
    assertThat(EntryChunks.chunkKey("shared", 2)).isEqualTo("shared#2");
    assertThat(EntryChunks.chunkKey("slot/1/3", 1)).isEqualTo("slot/1/3#1");
    assertThat(EntryChunks.isContinuation("slot/1/3#1")).isTrue();
    assertThat(EntryChunks.isContinuation("slot/1/3")).isFalse();
  }

  @Test
  void anEntrySplitAtAnyChunkSizeJoinsToTheWholeEntryAndDecodes() {
    byte[] data = payload(10_000, 1);
    byte[] whole = SnapshotCodec.encode(o -> o.write(data));
    for (int chunk : new int[] {16, 17, 1000, 10_015, 10_016, 10_017, 1 << 20}) {
      for (long hint : new long[] {0, data.length, 3}) {
        MapChunkStore store = new MapChunkStore();
        long n = SnapshotCodec.encode("shared", o -> o.write(data), hint, chunk, store);
        assertThat(n).isEqualTo(whole.length);
        int chunks = (whole.length + chunk - 1) / chunk;
        assertThat(store.values).hasSize(chunks);
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (int i = 0; i < chunks; i++) {
          byte[] c = store.get(EntryChunks.chunkKey("shared", i));
          assertThat(c.length).isLessThanOrEqualTo(chunk);
          joined.writeBytes(c);
        }
        assertThat(joined.toByteArray()).as("chunk %d", chunk).isEqualTo(whole);
        byte[] back = read("shared", store);
        assertThat(back).isEqualTo(data);
      }
    }
  }

  @Test
  void anEntryStoredWholeByEarlierVersionsStillDecodes() {
    byte[] data = payload(5000, 2);
    MapChunkStore store = new MapChunkStore();
    store.put("shared", SnapshotCodec.encode(o -> o.write(data)));
    assertThat(read("shared", store)).isEqualTo(data);
  }

  @Test
  void aShorterRewriteRemovesTheChunksOfTheLongerOne() {
    MapChunkStore store = new MapChunkStore();
    SnapshotCodec.encode("shared", o -> o.write(payload(5000, 3)), 0, 1000, store);
    assertThat(store.values).containsKey("shared#5");
    byte[] small = payload(1500, 4);
    SnapshotCodec.encode("shared", o -> o.write(small), 0, 1000, store);
    assertThat(store.values.keySet()).containsExactlyInAnyOrder("shared", "shared#1");
    assertThat(read("shared", store)).isEqualTo(small);
  }

  @Test
  void aDamagedOrMissingChunkIsRefusedWithTheEntryKey() {
    MapChunkStore store = new MapChunkStore();
    SnapshotCodec.encode("shared", o -> o.write(payload(5000, 5)), 0, 1000, store);
    store.get("shared#2")[7] ^= 1;
    assertThatThrownBy(() -> read("shared", store))
        .isInstanceOf(SnapshotCodec.CorruptSnapshotException.class)
        .hasMessageContaining("'shared'")
        .hasMessageContaining("checksum mismatch");

    MapChunkStore gap = new MapChunkStore();
    SnapshotCodec.encode("shared", o -> o.write(payload(5000, 5)), 0, 1000, gap);
    gap.remove("shared#3"); // chunks after the gap are not reached: the CRC no longer matches
    assertThatThrownBy(() -> read("shared", gap)).hasMessageContaining("checksum mismatch");
    assertThatThrownBy(() -> read("slot/0/0", gap))
        .hasMessageContaining("'slot/0/0'")
        .hasMessageContaining("missing");
  }
}
