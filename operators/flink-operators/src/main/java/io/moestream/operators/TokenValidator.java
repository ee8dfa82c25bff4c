package io.moestream.operators;

import io.moestream.schemas.AvroLimits;
import io.moestream.schemas.DeadLetter;
import io.moestream.schemas.DeadLetterReason;
import io.moestream.schemas.TokenSequence;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import org.apache.avro.SystemLimitException;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.MissingSchemaException;

/**
 * Decides whether a raw record may reach a model. Pure (no Flink), so every rule is unit-tested:
 * bytes that are not Avro, a record of another schema, a field claiming more bytes than allowed
 * (checked before decoding, so a 16-byte record claiming 2 GB allocates nothing), an empty or too
 * long sequence, token ids outside the vocabulary, a missing or oversize model id — each becomes a
 * {@link DeadLetter} with its reason, never an exception that would restart the job.
 *
 * <p>A dead letter keeps at most the first {@link #KEPT_BYTES} of the refused key and value, with
 * the value's original length and SHA-256, so it always fits the producer's {@code
 * max.request.size} (1 MB by default) however large the refused record was.
 *
 * @param vocabSize token ids must lie in [0, vocabSize)
 * @param maxTokens the longest sequence accepted
 * @param maxModelIdLength the longest model id accepted (it becomes a state key and a metric name)
 */
public record TokenValidator(int vocabSize, int maxTokens, int maxModelIdLength)
    implements Serializable {

  /** The most bytes of a refused key or value a dead letter keeps. */
  public static final int KEPT_BYTES = 64 * 1024;

  /** The longest reason a dead letter carries (a decoder's message can quote the input). */
  static final int MAX_REASON_CHARS = 2000;

  private static final AvroLengthCheck LENGTHS =
      new AvroLengthCheck(TokenSequence.getClassSchema(), AvroLimits.MAX_LENGTH);

  /** The outcome: exactly one of the two is set. */
  public record Result(TokenSequence valid, DeadLetter rejected) {}

  public Result validate(RawRecord r) {
    String oversize = LENGTHS.oversize(r.value);
    if (oversize != null) {
      return reject(r, DeadLetterReason.OVERSIZE_FIELD, "oversize field: " + oversize);
    }
    TokenSequence seq;
    try {
      seq = TokenSequence.getDecoder().decode(r.value);
    } catch (BadHeaderException e) {
      return reject(
          r, DeadLetterReason.NOT_AVRO, "not an Avro single-object record: " + e.getMessage());
    } catch (MissingSchemaException e) {
      return reject(
          r, DeadLetterReason.WRONG_SCHEMA, "a record of another schema: " + e.getMessage());
    } catch (SystemLimitException e) {
      return reject(r, DeadLetterReason.OVERSIZE_FIELD, "oversize field: " + e.getMessage());
    } catch (Exception e) {
      return reject(r, DeadLetterReason.NOT_AVRO, "undecodable TokenSequence: " + e);
    }
    String id = seq.getModelId();
    if (id == null || id.isBlank()) {
      return reject(r, DeadLetterReason.MISSING_MODEL_ID, "model id is missing or blank");
    }
    if (id.length() > maxModelIdLength) {
      return reject(
          r,
          DeadLetterReason.OVERSIZE_MODEL_ID,
          "model id has " + id.length() + " characters (max " + maxModelIdLength + ")");
    }
    int n = seq.getTokens().size();
    if (n == 0) {
      return reject(r, DeadLetterReason.EMPTY_SEQUENCE, "sequence has no tokens");
    }
    if (n > maxTokens) {
      return reject(
          r, DeadLetterReason.TOO_LONG, "sequence has " + n + " tokens (max " + maxTokens + ")");
    }
    for (int i = 0; i < n; i++) {
      Integer t = seq.getTokens().get(i);
      if (t == null || t < 0 || t >= vocabSize) {
        return reject(
            r,
            DeadLetterReason.TOKEN_OUT_OF_RANGE,
            "token " + t + " at position " + i + " is outside [0, " + vocabSize + ")");
      }
    }
    return new Result(seq, null);
  }

  /**
   * The dead letter for a valid record refused after the keyBy (e.g. one model too many): its Kafka
   * coordinates are gone there, so topic, partition and offset say unknown ({@link
   * RawRecord#ofUnknownSource}); key and value are the record's model id and its own Avro encoding,
   * so it can be replayed.
   */
  static DeadLetter rejectDecoded(TokenSequence seq, DeadLetterReason code, String reason)
      throws IOException {
    ByteBuffer value = seq.toByteBuffer();
    byte[] bytes = new byte[value.remaining()];
    value.get(bytes);
    RawRecord raw =
        RawRecord.ofUnknownSource(
            seq.getModelId().getBytes(StandardCharsets.UTF_8),
            bytes,
            seq.getEventTime().toEpochMilli());
    return reject(raw, code, reason).rejected();
  }

  static Result reject(RawRecord r, DeadLetterReason code, String reason) {
    byte[] value = r.value == null ? new byte[0] : r.value;
    DeadLetter d =
        DeadLetter.newBuilder()
            .setRawKey(r.key == null ? null : ByteBuffer.wrap(kept(r.key)))
            .setRawKeyLength(r.key == null ? -1 : r.key.length)
            .setRawValue(ByteBuffer.wrap(kept(value)))
            .setRawValueLength(value.length)
            .setRawValueSha256(ByteBuffer.wrap(sha256(value)))
            .setReason(
                reason.length() <= MAX_REASON_CHARS
                    ? reason
                    : reason.substring(0, MAX_REASON_CHARS) + "...")
            .setReasonCode(code)
            .setSourceTopic(r.topic)
            .setSourcePartition(r.partition)
            .setSourceOffset(r.offset)
            .setEventTime(Instant.ofEpochMilli(r.timestamp))
            .build();
    return new Result(null, d);
  }

  private static byte[] kept(byte[] bytes) {
    return bytes.length <= KEPT_BYTES ? bytes : Arrays.copyOf(bytes, KEPT_BYTES);
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
