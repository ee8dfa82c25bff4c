package io.moestream.jobs.stream;

import io.moestream.schemas.AvroCodec;
import io.moestream.schemas.TokenSequence;

/**
 * Run in a JVM of its own by {@link AvroLimitsInstalledTest}: initialises the class named by the
 * first argument (if any, before any Avro class loads, as a {@code main} would), then decodes a
 * 16-byte TokenSequence whose model id claims 2,147,483,000 bytes with Avro's own decoder (no
 * {@code AvroLengthCheck} in front) and prints the class of what it threw.
 */
public final class AvroLimitsProbe {
  private AvroLimitsProbe() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0) {
      Class.forName(args[0]);
    }
    byte[] claim = HostileRecords.hugeClaim(AvroCodec.encode(HostileRecords.valid()));
    try {
      TokenSequence.getDecoder().decode(claim);
      System.out.println("decoded");
    } catch (Throwable t) {
      System.out.println(t.getClass().getName());
    }
  }
}
