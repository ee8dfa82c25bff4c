package io.moestream.moe.codec;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;

/**
 * The byte format of snapshot entries: a magic number, a format version, the payload, and a CRC-32
 * of everything before it. Readers reject unknown versions and corrupted bytes with a clear message
 * instead of loading a damaged model. Version 1 is the only version so far; a later version must
 * keep reading version 1. An entry may be stored in several chunks ({@link EntryChunks}); the
 * format is that of the joined bytes, so writing and reading stream one chunk at a time.
 */
public final class SnapshotCodec {
  public static final int MAGIC = 0x4D6F4553; // "MoES"
  public static final int VERSION = 1;

  private SnapshotCodec() {}

  /** Bytes the format adds around a payload: magic, version, CRC-32. */
  public static final int OVERHEAD = 16;

  private static final int BUFFER = 1 << 16;

  /** Writes a payload into a versioned, checksummed entry value (one array: small entries). */
  public static byte[] encode(IoWriter payload) {
    java.util.List<byte[]> out = new java.util.ArrayList<>();
    encode("entry", payload, 0, Integer.MAX_VALUE - 8, (k, chunk) -> out.add(chunk));
    return out.get(0);
  }

  /**
   * Streams a payload as a versioned, checksummed entry into {@code sink}, in chunks of at most
   * {@code chunkBytes} (see {@link EntryChunks}); the heap holds one chunk and a 64 KB buffer,
   * never the whole entry.
   *
   * @param sizeHint the payload's expected length in bytes (0 if unknown), to size chunks once
   * @return the entry's length in bytes
   */
  public static long encode(
      String key, IoWriter payload, long sizeHint, int chunkBytes, EntryChunks.Sink sink) {
    try {
      EntryChunks.Writer chunks =
          new EntryChunks.Writer(key, chunkBytes, sizeHint + OVERHEAD, sink);
      CheckedOutputStream checked = new CheckedOutputStream(chunks, new CRC32());
      DataOutputStream out = new DataOutputStream(new BufferedOutputStream(checked, BUFFER));
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      payload.write(out);
      out.flush();
      new DataOutputStream(chunks).writeLong(checked.getChecksum().getValue());
      chunks.close();
      return chunks.bytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Checks magic, version and checksum, then hands the payload to {@code reader}. */
  public static <T> T decode(String key, byte[] value, IoReader<T> reader) {
    return decode(key, k -> k.equals(key) ? value : null, reader);
  }

  /**
   * {@link #decode(String, byte[], IoReader)} of an entry stored in chunks: a first pass checks the
   * length and the checksum of the joined chunks, a second hands the payload to {@code reader};
   * {@code source} is asked for one chunk at a time, so no joined copy of the entry is ever built.
   */
  public static <T> T decode(String key, EntryChunks.Source source, IoReader<T> reader) {
    long length;
    int chunks;
    try {
      Verified v = verify(key, source);
      length = v.length;
      chunks = v.chunks;
    } catch (IOException e) {
      throw new CorruptSnapshotException(key, "unreadable: " + e.getMessage());
    }
    try (InputStream joined = EntryChunks.open(key, source, chunks)) {
      DataInputStream in =
          new DataInputStream(new Bounded(new BufferedInputStream(joined, BUFFER), length - 8));
      int magic = in.readInt();
      if (magic != MAGIC) {
        throw new CorruptSnapshotException(key, "not a snapshot entry (bad magic)");
      }
      int version = in.readInt();
      if (version != VERSION) {
        throw new CorruptSnapshotException(
            key,
            "format version " + version + " is not supported (this build reads " + VERSION + ")");
      }
      T result = reader.read(in);
      if (in.available() != 0) {
        throw new CorruptSnapshotException(key, in.available() + " unexpected trailing bytes");
      }
      return result;
    } catch (IOException e) {
      throw new CorruptSnapshotException(key, "truncated payload: " + e.getMessage());
    }
  }

  private record Verified(long length, int chunks) {}

  /** Length and chunk count of the stored entry, after checking its CRC over all chunks. */
  private static Verified verify(String key, EntryChunks.Source source) throws IOException {
    CRC32 crc = new CRC32();
    byte[] tail = new byte[8]; // the last 8 bytes seen: the CRC once the entry ends
    int tailLen = 0;
    long length = 0;
    int chunks = 0;
    for (; ; chunks++) {
      byte[] c;
      try {
        c = source.get(EntryChunks.chunkKey(key, chunks));
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException(e.getMessage(), e);
      }
      if (c == null) {
        break;
      }
      length += c.length;
      int emit = tailLen + c.length - 8; // bytes that can no longer be part of the CRC
      if (emit <= 0) {
        System.arraycopy(c, 0, tail, tailLen, c.length);
        tailLen += c.length;
        continue;
      }
      int fromTail = Math.min(tailLen, emit);
      crc.update(tail, 0, fromTail);
      crc.update(c, 0, emit - fromTail);
      byte[] next = new byte[8];
      int k = tailLen - fromTail;
      System.arraycopy(tail, fromTail, next, 0, k);
      System.arraycopy(c, emit - fromTail, next, k, 8 - k);
      tail = next;
      tailLen = 8;
    }
    if (chunks == 0) {
      throw new CorruptSnapshotException(key, "missing");
    }
    if (length < OVERHEAD) {
      throw new CorruptSnapshotException(key, "truncated (" + length + " bytes)");
    }
    if (java.nio.ByteBuffer.wrap(tail).getLong() != crc.getValue()) {
      throw new CorruptSnapshotException(key, "checksum mismatch");
    }
    return new Verified(length, chunks);
  }

  /** The first {@code limit} bytes of a stream; {@code available()} is exactly what is left. */
  private static final class Bounded extends FilterInputStream {
    private long left;

    Bounded(InputStream in, long limit) {
      super(in);
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int b = in.read();
      if (b >= 0) {
        left--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int n) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int k = in.read(b, off, (int) Math.min(n, left));
      if (k > 0) {
        left -= k;
      }
      return k;
    }

    @Override
    public long skip(long n) throws IOException {
      long k = in.skip(Math.min(n, left));
      left -= k;
      return k;
    }

    @Override
    public int available() {
      return (int) Math.min(Integer.MAX_VALUE, left);
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }

  /** Writes a payload. */
  @FunctionalInterface
  public interface IoWriter {
    void write(DataOutputStream out) throws IOException;
  }

  /** Reads a payload. */
  @FunctionalInterface
  public interface IoReader<T> {
    T read(DataInputStream in) throws IOException;
  }

  /** A snapshot entry that cannot be read: corrupted, truncated, or of an unknown version. */
  public static final class CorruptSnapshotException extends RuntimeException {
    public CorruptSnapshotException(String key, String why) {
      super("snapshot entry '" + key + "' is unreadable: " + why);
    }
  }
}
