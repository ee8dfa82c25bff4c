package io.moestream.operators;

import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * Walks an Avro single-object record of a known schema without building it, and finds a string,
 * bytes or array length that no honest record of this size can have: above {@code maxLength}, or
 * longer than the record itself. Avro's decoder would allocate such a field at its claimed length
 * before reading it (a 16-byte record claiming 2 GB costs 2 GB); this check reads only varints and
 * skips bytes, so a hostile record costs nothing. It does not depend on the JVM's Avro limit
 * properties ({@link io.moestream.schemas.AvroLimits}), which a JVM started without them lacks.
 */
final class AvroLengthCheck {
  private static final int HEADER = 10; // C3 01 + 8-byte little-endian schema fingerprint

  private final Schema schema;
  private final byte[] header;
  private final int maxLength;

  AvroLengthCheck(Schema schema, int maxLength) {
    this.schema = schema;
    this.maxLength = maxLength;
    long fp = SchemaNormalization.parsingFingerprint64(schema);
    header = new byte[HEADER];
    header[0] = (byte) 0xC3;
    header[1] = 0x01;
    for (int i = 0; i < 8; i++) {
      header[2 + i] = (byte) (fp >>> (8 * i));
    }
  }

  /**
   * What is oversize in {@code value}, or null if nothing is, or if {@code value} is not a record
   * of this schema or is truncated (the decoder then refuses it with its own reason).
   */
  String oversize(byte[] value) {
    if (value == null
        || value.length < HEADER
        || !Arrays.equals(value, 0, HEADER, header, 0, HEADER)) {
      return null;
    }
    BinaryDecoder in =
        DecoderFactory.get().binaryDecoder(value, HEADER, value.length - HEADER, null);
    try {
      walk(schema, in, value.length, schema.getName());
      return null;
    } catch (Oversize e) {
      return e.getMessage();
    } catch (EOFException e) {
      return null;
    } catch (IOException | RuntimeException e) {
      return null; // corrupt: the decoder says how
    }
  }

  private void walk(Schema s, BinaryDecoder in, int recordLength, String path) throws IOException {
    switch (s.getType()) {
      case RECORD -> {
        for (Schema.Field f : s.getFields()) {
          walk(f.schema(), in, recordLength, path + "." + f.name());
        }
      }
      case STRING, BYTES -> {
        long n = in.readLong();
        if (n < 0 || n > maxLength || n > recordLength) {
          throw new Oversize(
              path
                  + " claims "
                  + n
                  + " bytes in a record of "
                  + recordLength
                  + " bytes (limit "
                  + maxLength
                  + ")");
        }
        in.skipFixed((int) n);
      }
      case ARRAY -> {
        for (long n = blockCount(in, recordLength, path);
            n > 0;
            n = blockCount(in, recordLength, path)) {
          for (long i = 0; i < n; i++) {
            walk(s.getElementType(), in, recordLength, path + "[]");
          }
        }
      }
      case MAP -> {
        for (long n = blockCount(in, recordLength, path);
            n > 0;
            n = blockCount(in, recordLength, path)) {
          for (long i = 0; i < n; i++) {
            walk(Schema.create(Schema.Type.STRING), in, recordLength, path + "{key}");
            walk(s.getValueType(), in, recordLength, path + "{}");
          }
        }
      }
      case UNION -> {
        int branch = in.readIndex();
        if (branch < 0 || branch >= s.getTypes().size()) {
          throw new IOException("union index " + branch + " out of range");
        }
        walk(s.getTypes().get(branch), in, recordLength, path);
      }
      case FIXED -> in.skipFixed(s.getFixedSize());
      case ENUM -> in.readEnum();
      case INT -> in.readInt();
      case LONG -> in.readLong();
      case FLOAT -> in.readFloat();
      case DOUBLE -> in.readDouble();
      case BOOLEAN -> in.readBoolean();
      case NULL -> in.readNull();
    }
  }

  /**
   * The item count of the next array or map block (its byte size, when given, is read and ignored).
   * A count above the record's length is refused here: every item of this product's schemas takes
   * at least one byte.
   */
  private static long blockCount(BinaryDecoder in, int recordLength, String path)
      throws IOException {
    long n = in.readLong();
    if (n < 0) {
      n = -n;
      in.readLong();
    }
    if (n > recordLength) {
      throw new Oversize(
          path + " claims " + n + " items in a record of " + recordLength + " bytes");
    }
    return n;
  }

  private static final class Oversize extends IOException {
    Oversize(String message) {
      super(message);
    }
  }
}
