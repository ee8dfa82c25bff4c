package io.moestream.schemas;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Binary encoding of the generated records for Kafka values, without a schema registry.
 *
 * <p><b>Format.</b> Avro <a
 * href="https://avro.apache.org/docs/1.12.0/specification/#single-object-encoding">single-object
 * encoding</a> ({@link BinaryMessageEncoder} / {@link BinaryMessageDecoder}): the two marker bytes
 * {@code C3 01}, the 8-byte little-endian CRC-64-AVRO fingerprint of the writer's schema, then the
 * Avro binary body. The header costs 10 bytes per message and buys two things a bare Avro body
 * cannot give: a reader can tell a record of another schema (or bytes that are not Avro at all)
 * from a record of its own, instead of mis-decoding it into nonsense; and it can pick the right
 * writer schema when the schema has evolved.
 *
 * <p><b>Why no schema registry.</b> The four schemas are few, change rarely and ship in this jar; a
 * registry would be one more service for the job, the tests and every consumer to depend on. Every
 * earlier version of a schema is kept under {@code /schemas/history/<Name>/vN.avsc} (the same files
 * {@code SchemaCompatibilityTest} checks), and the decoder of each class knows all of them, so
 * records written by an older producer still decode after an upgrade. Non-Java consumers read the
 * {@code .avsc} files from this module and strip the 10-byte header.
 *
 * <p><b>Trusted packages.</b> Avro 1.12.2 refuses to instantiate generated classes unless their
 * package is trusted: every JVM that decodes must run with {@code
 * -Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.moestream.schemas} (set before Avro is loaded).
 *
 * <p>Thread-safe; encoders and decoders are built once per class.
 */
public final class AvroCodec {

  /** Class-path folder of the earlier schema versions: {@code <Name>/v1.avsc}, {@code v2}, ... */
  static final String HISTORY_ROOT = "schemas/history/";

  private static final ClassValue<Codec<?>> CODECS =
      new ClassValue<>() {
        @Override
        protected Codec<?> computeValue(Class<?> type) {
          return Codec.create(type);
        }
      };

  private AvroCodec() {}

  /**
   * Encodes a generated record as Avro single-object encoding (header with the schema fingerprint,
   * then the binary body).
   *
   * @throws IllegalArgumentException if the record is null or not valid for its schema (e.g. a
   *     required field is null)
   */
  public static <T extends SpecificRecord> byte[] encode(T record) {
    if (record == null) {
      throw new IllegalArgumentException("cannot encode a null record");
    }
    @SuppressWarnings("unchecked")
    Codec<T> codec = (Codec<T>) codecFor(record.getClass());
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    try {
      codec.encoder.encode(record, out);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot encode " + codec.name + ": " + e.getMessage(), e);
    }
    return out.toByteArray();
  }

  /**
   * Decodes bytes written by {@link #encode} (with the current schema of {@code type} or any of its
   * earlier versions) into an instance of the generated class {@code type}.
   *
   * @throws IllegalArgumentException if {@code type} is not a generated record class, or the bytes
   *     are not an Avro single-object record, are a record of another schema, or are truncated or
   *     corrupt
   * @throws IllegalStateException if Avro refuses to instantiate the class because {@code
   *     org.apache.avro.SERIALIZABLE_PACKAGES} does not include {@code io.moestream.schemas}
   */
  public static <T> T decode(byte[] bytes, Class<T> type) {
    if (type == null) {
      throw new IllegalArgumentException("cannot decode into a null type");
    }
    Codec<T> codec = codecFor(type);
    if (bytes == null) {
      throw new IllegalArgumentException("cannot decode null bytes as " + codec.name);
    }
    try {
      return codec.decoder.decode(bytes);
    } catch (BadHeaderException e) {
      throw new IllegalArgumentException(
          "not a "
              + codec.name
              + ": "
              + bytes.length
              + " bytes without the Avro single-object header (C3 01 + schema fingerprint); they"
              + " are not an Avro record written by AvroCodec (starts with "
              + hexPrefix(bytes)
              + ")",
          e);
    } catch (MissingSchemaException e) {
      throw new IllegalArgumentException(
          "not a "
              + codec.name
              + ": the bytes are an Avro record of another schema (writer fingerprint "
              + fingerprintHex(bytes)
              + ", known fingerprints of "
              + codec.name
              + " and its earlier versions: "
              + codec.knownFingerprints
              + ")",
          e);
    } catch (SecurityException e) {
      throw new IllegalStateException(
          "Avro refused to instantiate "
              + codec.name
              + ": start the JVM with -Dorg.apache.avro.SERIALIZABLE_PACKAGES="
              + AvroCodec.class.getPackageName()
              + " ("
              + e.getMessage()
              + ")",
          e);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "not a valid "
              + codec.name
              + ": "
              + bytes.length
              + " bytes with a "
              + codec.name
              + " header but a truncated or corrupt body ("
              + e
              + ")",
          e);
    }
  }

  /**
   * The earlier versions of {@code type}'s schema shipped under {@link #HISTORY_ROOT}, oldest
   * first.
   */
  static List<Schema> history(Class<?> type) {
    Schema current = schemaOf(type);
    ClassLoader loader = AvroCodec.class.getClassLoader();
    List<Schema> versions = new ArrayList<>();
    for (int v = 1; ; v++) {
      String resource = HISTORY_ROOT + type.getSimpleName() + "/v" + v + ".avsc";
      URL url = loader.getResource(resource);
      if (url == null) {
        return versions;
      }
      Schema old;
      try (InputStream in = url.openStream()) {
        old = new Schema.Parser().parse(in);
      } catch (IOException | RuntimeException e) {
        throw new IllegalStateException("cannot read schema history " + resource, e);
      }
      if (!old.getFullName().equals(current.getFullName())) {
        throw new IllegalStateException(
            resource + " is " + old.getFullName() + ", not " + current.getFullName());
      }
      versions.add(old);
    }
  }

  /**
   * A decoder reading into {@code type}'s current schema that also accepts records written with
   * each of {@code writerSchemas}.
   */
  static <T> BinaryMessageDecoder<T> newDecoder(Class<T> type, List<Schema> writerSchemas) {
    SpecificData model = SpecificData.getForClass(type);
    Schema current = schemaOf(type);
    BinaryMessageDecoder<T> decoder = new BinaryMessageDecoder<>(model, current);
    long currentFingerprint = SchemaNormalization.parsingFingerprint64(current);
    for (Schema writer : writerSchemas) {
      // A version whose wire form equals the current one (only docs or defaults changed) has the
      // same fingerprint: the current schema already decodes it.
      if (SchemaNormalization.parsingFingerprint64(writer) != currentFingerprint) {
        decoder.addSchema(writer);
      }
    }
    return decoder;
  }

  private static Schema schemaOf(Class<?> type) {
    if (!SpecificRecord.class.isAssignableFrom(type)) {
      throw new IllegalArgumentException(
          type.getName() + " is not a generated Avro record class (SpecificRecord)");
    }
    return SpecificData.getForClass(type).getSchema(type);
  }

  @SuppressWarnings("unchecked")
  private static <T> Codec<T> codecFor(Class<T> type) {
    try {
      return (Codec<T>) CODECS.get(type);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("cannot build an Avro codec for " + type.getName(), e);
    }
  }

  private static String fingerprintHex(byte[] bytes) {
    if (bytes.length < 10) {
      return "?";
    }
    StringBuilder hex = new StringBuilder("0x");
    for (int i = 9; i >= 2; i--) { // little-endian on the wire
      hex.append(String.format("%02x", bytes[i] & 0xff));
    }
    return hex.toString();
  }

  private static String hexPrefix(byte[] bytes) {
    StringBuilder hex = new StringBuilder();
    for (int i = 0; i < Math.min(bytes.length, 10); i++) {
      hex.append(String.format("%02x", bytes[i] & 0xff));
    }
    return bytes.length == 0 ? "<empty>" : hex + (bytes.length > 10 ? "..." : "");
  }

  private static final class Codec<T> {
    final String name;
    final BinaryMessageEncoder<T> encoder;
    final BinaryMessageDecoder<T> decoder;
    final List<String> knownFingerprints;

    private Codec(
        String name,
        BinaryMessageEncoder<T> encoder,
        BinaryMessageDecoder<T> decoder,
        List<String> knownFingerprints) {
      this.name = name;
      this.encoder = encoder;
      this.decoder = decoder;
      this.knownFingerprints = knownFingerprints;
    }

    static <T> Codec<T> create(Class<T> type) {
      Schema schema = schemaOf(type);
      List<Schema> history = history(type);
      List<String> fingerprints = new ArrayList<>();
      fingerprints.add(fingerprint(schema));
      for (Schema old : history) {
        String fp = fingerprint(old);
        if (!fingerprints.contains(fp)) {
          fingerprints.add(fp);
        }
      }
      return new Codec<>(
          schema.getName(),
          new BinaryMessageEncoder<>(SpecificData.getForClass(type), schema),
          newDecoder(type, history),
          List.copyOf(fingerprints));
    }

    private static String fingerprint(Schema schema) {
      return String.format("0x%016x", SchemaNormalization.parsingFingerprint64(schema));
    }
  }
}
