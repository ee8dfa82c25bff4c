package io.moestream.jobs.stream;

import io.moestream.schemas.AvroCodec;
import io.moestream.schemas.DeadLetterReason;
import io.moestream.schemas.TokenSequence;
import io.moestream.schemas.TrainerCursorState;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * One record of every kind the job must refuse, as a broken or hostile producer sends them: bytes
 * that are not Avro, another schema, a token out of range, an empty and a too long sequence, a
 * missing and an oversize model id, a 16-byte record whose model id claims 2,147,483,000 bytes, a
 * refused record of just under 1 MB and, where the tokens topic accepts it, one of 10 MB. Each must
 * become exactly one dead letter and never restart the job ({@code bench soak}).
 */
final class HostileRecords {
  /** The 10 MB record's model id length; the topic must accept a little more. */
  static final int TEN_MB = 10_000_000;

  /** A hostile record and the reason it must be refused with. */
  record Hostile(String kind, DeadLetterReason reason, byte[] value) {}

  private HostileRecords() {}

  /**
   * @param vocabSize, maxTokens, maxModelIdLength what the job accepts
   * @param topicMaxBytes the tokens topic's {@code max.message.bytes}: the 10 MB record only if it
   *     fits
   */
  static List<Hostile> all(int vocabSize, int maxTokens, int maxModelIdLength, int topicMaxBytes) {
    TokenSequence good = valid();
    List<Hostile> out = new ArrayList<>();
    out.add(
        new Hostile(
            "not-avro",
            DeadLetterReason.NOT_AVRO,
            "not an Avro record".getBytes(StandardCharsets.UTF_8)));
    out.add(
        new Hostile(
            "other-schema",
            DeadLetterReason.WRONG_SCHEMA,
            AvroCodec.encode(new TrainerCursorState(3L, 30L, 1L, 0L, 42L))));
    out.add(
        new Hostile(
            "token-out-of-range",
            DeadLetterReason.TOKEN_OUT_OF_RANGE,
            encode(tokens(good, List.of(1, vocabSize)))));
    out.add(new Hostile("empty", DeadLetterReason.EMPTY_SEQUENCE, encode(tokens(good, List.of()))));
    out.add(
        new Hostile(
            "too-long",
            DeadLetterReason.TOO_LONG,
            encode(tokens(good, Collections.nCopies(maxTokens + 1, 1)))));
    out.add(
        new Hostile(
            "missing-model-id", DeadLetterReason.MISSING_MODEL_ID, encode(modelId(good, 0))));
    out.add(
        new Hostile(
            "oversize-model-id",
            DeadLetterReason.OVERSIZE_MODEL_ID,
            encode(modelId(good, maxModelIdLength + 1))));
    out.add(new Hostile("2GB-claim", DeadLetterReason.OVERSIZE_FIELD, hugeClaim(encode(good))));
    out.add(new Hostile("1MB", DeadLetterReason.OVERSIZE_MODEL_ID, justUnder1Mb(good)));
    if (topicMaxBytes >= TEN_MB + 1024) {
      out.add(new Hostile("10MB", DeadLetterReason.OVERSIZE_FIELD, withModelId(good, TEN_MB)));
    }
    return out;
  }

  /** A record the job accepts: the template every hostile record is made from. */
  static TokenSequence valid() {
    return TokenSequence.newBuilder()
        .setModelId("hostile")
        .setSequenceId(0)
        .setTokens(List.of(1, 2, 3))
        .setDomain(null)
        .setModality(null)
        .setEventTime(Instant.EPOCH)
        .build();
  }

  /**
   * 16 bytes: the header of {@code template} (marker and TokenSequence's schema fingerprint), a
   * model-id length of 2,147,483,000 bytes as Avro's zig-zag varint, and one byte of it.
   */
  static byte[] hugeClaim(byte[] template) {
    byte[] out = Arrays.copyOf(template, 16);
    long zigzag = 2_147_483_000L << 1;
    int i = 10;
    while ((zigzag & ~0x7FL) != 0) {
      out[i++] = (byte) ((zigzag & 0x7F) | 0x80);
      zigzag >>>= 7;
    }
    out[i++] = (byte) zigzag;
    out[i] = 'm';
    return out;
  }

  /**
   * {@code s} with a model id making it {@value #JUST_UNDER_1MB} bytes: just under the producer's
   * default {@code max.request.size} (1 MiB) and the broker's default {@code message.max.bytes}, so
   * it arrives, and a dead letter holding all of it would be just over.
   */
  static byte[] justUnder1Mb(TokenSequence s) {
    int size = encode(modelId(s, JUST_UNDER_1MB - 1000)).length;
    byte[] out = encode(modelId(s, JUST_UNDER_1MB - 1000 + (JUST_UNDER_1MB - size)));
    if (out.length != JUST_UNDER_1MB) {
      throw new IllegalStateException("record of " + out.length + " bytes");
    }
    return out;
  }

  /** The size of the "1MB" record: 76 bytes under 1 MiB. */
  static final int JUST_UNDER_1MB = (1 << 20) - 76;

  private static TokenSequence tokens(TokenSequence s, List<Integer> tokens) {
    return TokenSequence.newBuilder(s).setTokens(tokens).build();
  }

  /** {@code s} encoded with a model id of {@code length} characters. */
  static byte[] withModelId(TokenSequence s, int length) {
    return encode(modelId(s, length));
  }

  private static TokenSequence modelId(TokenSequence s, int length) {
    return TokenSequence.newBuilder(s).setModelId("m".repeat(length)).build();
  }

  private static byte[] encode(TokenSequence s) {
    return AvroCodec.encode(s);
  }
}
