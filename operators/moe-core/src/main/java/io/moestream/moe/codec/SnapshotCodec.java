package io.moestream.moe.codec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.CRC32;

/**
 * The byte format of snapshot entries: a magic number, a format version, the payload, and a CRC-32
 * of everything before it. Readers reject unknown versions and corrupted bytes with a clear message
 * instead of loading a damaged model. Version 1 is the only version so far; a later version must
 * keep reading version 1.
 */
public final class SnapshotCodec {
  public static final int MAGIC = 0x4D6F4553; // "MoES"
  public static final int VERSION = 1;

  private SnapshotCodec() {}

  /** Writes a payload into a versioned, checksummed entry value. */
  public static byte[] encode(IoWriter payload) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      payload.write(out);
      out.flush();
      CRC32 crc = new CRC32();
      crc.update(bytes.toByteArray());
      out.writeLong(crc.getValue());
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Checks magic, version and checksum, then hands the payload to {@code reader}. */
  public static <T> T decode(String key, byte[] value, IoReader<T> reader) {
    if (value.length < 16) {
      throw new CorruptSnapshotException(key, "truncated (" + value.length + " bytes)");
    }
    CRC32 crc = new CRC32();
    crc.update(value, 0, value.length - 8);
    long stored = java.nio.ByteBuffer.wrap(value, value.length - 8, 8).getLong();
    if (stored != crc.getValue()) {
      throw new CorruptSnapshotException(key, "checksum mismatch");
    }
    try (DataInputStream in =
        new DataInputStream(new ByteArrayInputStream(value, 0, value.length - 8))) {
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
