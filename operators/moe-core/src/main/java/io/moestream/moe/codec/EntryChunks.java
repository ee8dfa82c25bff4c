package io.moestream.moe.codec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * How one snapshot entry is split over several stored values, and joined again: the one place that
 * knows the chunk naming. RocksDB refuses values of 2^31 bytes or more (and a Java array cannot
 * hold one), so an entry is stored as chunks of at most {@link #CHUNK_BYTES}: the first under the
 * entry's own key ({@code shared}), the next ones under {@code shared#1}, {@code shared#2}, ...
 * Joined, the chunks are exactly the bytes {@link SnapshotCodec} writes, so an entry stored whole
 * by an earlier version (one value, no {@code #} keys) is simply an entry of one chunk.
 */
public final class EntryChunks {
  /** Chunk size the job writes: far below RocksDB's 2^31-byte value limit, and below Java's. */
  public static final int CHUNK_BYTES = 256 << 20;

  /** Separates an entry's key from a chunk index; entry keys never contain it. */
  public static final char SEPARATOR = '#';

  private EntryChunks() {}

  /** The stored key of chunk {@code index} of entry {@code key}: the key itself for chunk 0. */
  public static String chunkKey(String key, int index) {
    if (index < 0) {
      throw new IllegalArgumentException("chunk index " + index);
    }
    return index == 0 ? key : key + SEPARATOR + index;
  }

  /** True for the stored keys of chunks after the first (they are not entries of their own). */
  public static boolean isContinuation(String storedKey) {
    return storedKey.indexOf(SEPARATOR) >= 0;
  }

  /** Where entries are written, one chunk at a time. */
  public interface Sink {
    void put(String storedKey, byte[] chunk) throws Exception;

    /**
     * Called once an entry is complete in {@code chunks} chunks: a store that may hold chunks of an
     * earlier, longer version of the entry removes them here (see {@link #removeStale}).
     */
    default void completed(String key, int chunks) throws Exception {}
  }

  /** Where entries are read from: the value stored under a key, or null. */
  @FunctionalInterface
  public interface Source {
    byte[] get(String storedKey) throws Exception;
  }

  /** A key-value store of chunks (keyed state, a map): both sides, with stale-chunk removal. */
  public interface Store extends Sink, Source {
    void remove(String storedKey) throws Exception;

    @Override
    default void completed(String key, int chunks) throws Exception {
      removeStale(this, key, chunks);
    }
  }

  /** Removes chunks {@code chunks, chunks+1, ...} of {@code key} that {@code store} still holds. */
  public static void removeStale(Store store, String key, int chunks) throws Exception {
    for (int i = Math.max(chunks, 1); store.get(chunkKey(key, i)) != null; i++) {
      store.remove(chunkKey(key, i));
    }
  }

  /**
   * An output stream that hands every {@code chunkBytes} bytes to {@code sink} as the next chunk of
   * {@code key}. Holds at most one chunk; {@code sizeHint} (the entry's expected length, or 0) lets
   * it allocate each chunk once at its final size, so a full chunk goes to the sink uncopied.
   */
  public static final class Writer extends OutputStream {
    private final String key;
    private final int chunkBytes;
    private final Sink sink;
    private long remainingHint;
    private byte[] buf;
    private int len;
    private int chunks;
    private long total;
    private boolean closed;

    public Writer(String key, int chunkBytes, long sizeHint, Sink sink) {
      if (chunkBytes < 16) {
        throw new IllegalArgumentException("chunk size " + chunkBytes + " < 16 bytes");
      }
      this.key = key;
      this.chunkBytes = chunkBytes;
      this.sink = sink;
      this.remainingHint = Math.max(0, sizeHint);
      this.buf = new byte[nextSize()];
    }

    private int nextSize() {
      return (int) Math.min(chunkBytes, Math.max(remainingHint, 8192));
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int n) throws IOException {
      while (n > 0) {
        if (len == chunkBytes) {
          emit();
        }
        if (len == buf.length) {
          buf = Arrays.copyOf(buf, (int) Math.min(chunkBytes, 2L * buf.length));
        }
        int k = Math.min(n, buf.length - len);
        System.arraycopy(b, off, buf, len, k);
        len += k;
        off += k;
        n -= k;
      }
    }

    private void emit() throws IOException {
      byte[] chunk = len == buf.length ? buf : Arrays.copyOf(buf, len);
      buf = null; // the sink may keep the array
      try {
        sink.put(chunkKey(key, chunks++), chunk);
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException("cannot store chunk of snapshot entry '" + key + "'", e);
      }
      total += len;
      remainingHint = Math.max(0, remainingHint - len);
      len = 0;
      buf = new byte[nextSize()];
    }

    /** Hands the last chunk over and reports the entry complete. */
    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      emit();
      buf = null;
      try {
        sink.completed(key, chunks);
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException("cannot complete snapshot entry '" + key + "'", e);
      }
    }

    /** Bytes written so far (complete after {@link #close}). */
    public long bytes() {
      return total + len;
    }

    public int chunks() {
      return chunks;
    }
  }

  /**
   * The joined bytes of entry {@code key}, fetched from {@code source} one chunk at a time, as they
   * are read: the first {@code chunks} chunks, or until a chunk is missing when {@code chunks < 0}.
   */
  public static InputStream open(String key, Source source, int chunks) {
    return new InputStream() {
      private int next;
      private byte[] cur = new byte[0];
      private int pos;

      private boolean fill() throws IOException {
        while (pos == cur.length) {
          if (chunks >= 0 && next >= chunks) {
            return false;
          }
          byte[] c;
          try {
            c = source.get(chunkKey(key, next));
          } catch (IOException | RuntimeException e) {
            throw e;
          } catch (Exception e) {
            throw new IOException("cannot read chunk of snapshot entry '" + key + "'", e);
          }
          if (c == null) {
            if (chunks >= 0) {
              throw new IOException("chunk " + next + " of " + chunks + " is missing");
            }
            return false;
          }
          next++;
          cur = c;
          pos = 0;
        }
        return true;
      }

      @Override
      public int read() throws IOException {
        return fill() ? cur[pos++] & 0xff : -1;
      }

      @Override
      public int read(byte[] b, int off, int n) throws IOException {
        if (n == 0) {
          return 0;
        }
        if (!fill()) {
          return -1;
        }
        int k = Math.min(n, cur.length - pos);
        System.arraycopy(cur, pos, b, off, k);
        pos += k;
        return k;
      }
    };
  }
}
