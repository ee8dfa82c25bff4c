package io.moestream.schemas;

import java.util.List;

/**
 * The longest string or bytes field this product decodes: 1 MiB. Avro's binary decoder allocates a
 * string or bytes field at the length the record claims before reading a byte of it, so without a
 * limit a 16-byte record claiming 2 GB makes every decoding JVM allocate 2 GB (an {@link
 * OutOfMemoryError} that no {@code catch (Exception)} stops, and a job that replays the record
 * after each restart). Avro 1.12 refuses longer fields with {@code SystemLimitException} when the
 * system properties {@value #STRING_PROPERTY} and {@value #BYTES_PROPERTY} are set, but it reads
 * them once, when {@code org.apache.avro.SystemLimitException} is initialised: {@link #install()}
 * must run before any Avro class loads (first thing in {@code main}), and JVMs this code does not
 * start (Flink's TaskManagers) get {@link #jvmOptions()} on their command line.
 *
 * <p>No field of this product's schemas comes near the limit: model ids are at most 128 characters,
 * and dead letters keep at most 64 KB of a refused value. This class refers to no Avro class, so
 * loading it loads no Avro.
 */
public final class AvroLimits {
  /** The longest string or bytes field decoded, in bytes. */
  public static final int MAX_LENGTH = 1 << 20;

  public static final String STRING_PROPERTY = "org.apache.avro.limits.string.maxLength";
  public static final String BYTES_PROPERTY = "org.apache.avro.limits.bytes.maxLength";

  private AvroLimits() {}

  /**
   * Sets both limits to {@link #MAX_LENGTH} unless the JVM was started with a value (an operator's
   * choice wins). Effective only before Avro's {@code SystemLimitException} class is initialised.
   */
  public static void install() {
    for (String key : List.of(STRING_PROPERTY, BYTES_PROPERTY)) {
      if (System.getProperty(key) == null) {
        System.setProperty(key, Integer.toString(MAX_LENGTH));
      }
    }
  }

  /** The same limits as JVM options, for a JVM this process starts or configures. */
  public static List<String> jvmOptions() {
    return List.of(
        "-D" + STRING_PROPERTY + "=" + MAX_LENGTH, "-D" + BYTES_PROPERTY + "=" + MAX_LENGTH);
  }
}
