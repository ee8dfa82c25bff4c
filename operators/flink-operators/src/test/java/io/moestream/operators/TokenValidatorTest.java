package io.moestream.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.schemas.DeadLetter;
import io.moestream.schemas.DeadLetterReason;
import io.moestream.schemas.TokenSequence;
import io.moestream.schemas.TrainingSummary;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every kind of hostile input becomes a dead letter with its reason and source offset. */
class TokenValidatorTest {
  private final TokenValidator validator = new TokenValidator(259, 8, 16);

  private static byte[] bytes(String modelId, List<Integer> tokens) throws Exception {
    TokenSequence s =
        TokenSequence.newBuilder()
            .setModelId(modelId)
            .setSequenceId(1)
            .setTokens(tokens)
            .setDomain("english")
            .setModality(null)
            .setEventTime(Instant.ofEpochMilli(5))
            .build();
    ByteBuffer b = s.toByteBuffer();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  private static RawRecord raw(byte[] value) {
    return new RawRecord("k".getBytes(StandardCharsets.UTF_8), value, "tokens", 3, 42L, 7L);
  }

  private DeadLetter rejected(byte[] value, DeadLetterReason reason) {
    TokenValidator.Result r = validator.validate(raw(value));
    assertThat(r.valid()).isNull();
    DeadLetter d = r.rejected();
    assertThat(d.getReasonCode()).isEqualTo(reason);
    assertThat(d.getReason()).isNotBlank();
    assertThat(d.getSourceTopic()).isEqualTo("tokens");
    assertThat(d.getSourcePartition()).isEqualTo(3);
    assertThat(d.getSourceOffset()).isEqualTo(42L);
    assertThat(d.getRawValue()).isEqualTo(ByteBuffer.wrap(value));
    return d;
  }

  @Test
  void aGoodRecordPasses() throws Exception {
    TokenValidator.Result r = validator.validate(raw(bytes("m1", List.of(0, 65, 258))));
    assertThat(r.rejected()).isNull();
    assertThat(r.valid().getModelId()).isEqualTo("m1");
    assertThat(r.valid().getTokens()).containsExactly(0, 65, 258);
  }

  @Test
  void bytesThatAreNotAvroAreRejected() {
    rejected("hello, world".getBytes(StandardCharsets.UTF_8), DeadLetterReason.NOT_AVRO);
    rejected(new byte[0], DeadLetterReason.NOT_AVRO);
  }

  @Test
  void aRecordOfAnotherSchemaIsRejected() throws Exception {
    TrainingSummary other =
        TrainingSummary.newBuilder()
            .setModelId("m1")
            .setStep(1)
            .setEventTime(Instant.EPOCH)
            .setPrequentialLoss(1)
            .setTokens(1)
            .setTokensPerSecond(1)
            .setAvgK(List.of())
            .setActiveExperts(List.of())
            .setSkippedSteps(0)
            .setSpawns(0)
            .setPrunes(0)
            .build();
    ByteBuffer b = other.toByteBuffer();
    byte[] v = new byte[b.remaining()];
    b.get(v);
    rejected(v, DeadLetterReason.WRONG_SCHEMA);
  }

  @Test
  void truncatedAvroIsRejected() throws Exception {
    byte[] good = bytes("m1", List.of(1, 2, 3));
    byte[] cut = java.util.Arrays.copyOf(good, good.length - 3);
    rejected(cut, DeadLetterReason.NOT_AVRO);
  }

  @Test
  void tokenIdsOutsideTheVocabularyAreRejected() throws Exception {
    assertThat(
            rejected(bytes("m1", List.of(1, -1)), DeadLetterReason.TOKEN_OUT_OF_RANGE).getReason())
        .contains("position 1");
    rejected(bytes("m1", List.of(259)), DeadLetterReason.TOKEN_OUT_OF_RANGE);
  }

  @Test
  void emptyAndTooLongSequencesAreRejected() throws Exception {
    rejected(bytes("m1", Collections.emptyList()), DeadLetterReason.EMPTY_SEQUENCE);
    rejected(bytes("m1", Collections.nCopies(9, 1)), DeadLetterReason.TOO_LONG);
  }

  @Test
  void missingOrOversizeModelIdsAreRejected() throws Exception {
    rejected(bytes("", List.of(1)), DeadLetterReason.MISSING_MODEL_ID);
    rejected(bytes("   ", List.of(1)), DeadLetterReason.MISSING_MODEL_ID);
    rejected(bytes("x".repeat(17), List.of(1)), DeadLetterReason.OVERSIZE_MODEL_ID);
  }

  /** 16 bytes: a TokenSequence header, then a model id claiming 2,147,483,000 bytes. */
  private static byte[] hugeClaim() throws Exception {
    byte[] out = java.util.Arrays.copyOf(bytes("m1", List.of(1)), 16);
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

  @Test
  void aFieldClaimingTwoGigabytesIsRefusedWithoutAllocatingIt() throws Exception {
    long before = allocatedBytes();
    DeadLetter d = rejected(hugeClaim(), DeadLetterReason.OVERSIZE_FIELD);
    long allocated = allocatedBytes() - before;
    assertThat(d.getReason()).contains("modelId claims 2147483000 bytes");
    assertThat(allocated).as("bytes allocated to refuse it").isLessThan(16L << 20);
  }

  @Test
  void aModelIdOverTheDecodersLimitIsRefusedBeforeDecoding() throws Exception {
    byte[] tenMb = bytes("m".repeat(10_000_000), List.of(1));
    TokenValidator.Result r = validator.validate(raw(tenMb));
    assertThat(r.rejected().getReasonCode()).isEqualTo(DeadLetterReason.OVERSIZE_FIELD);
    assertThat(r.rejected().getReason()).contains("limit 1048576");
  }

  @Test
  void aLargeRefusedRecordKeepsItsFirst64KbItsLengthAndItsSha256() throws Exception {
    byte[] value = bytes("m".repeat(1_000_000), List.of(1));
    byte[] key = new byte[100_000];
    TokenValidator.Result r = validator.validate(new RawRecord(key, value, "tokens", 0, 9L, 7L));
    DeadLetter d = r.rejected();
    assertThat(d.getReasonCode()).isEqualTo(DeadLetterReason.OVERSIZE_MODEL_ID);
    assertThat(d.getRawValue())
        .isEqualTo(ByteBuffer.wrap(java.util.Arrays.copyOf(value, TokenValidator.KEPT_BYTES)));
    assertThat(d.getRawValueLength()).isEqualTo(value.length);
    assertThat(d.getRawValueSha256())
        .isEqualTo(
            ByteBuffer.wrap(java.security.MessageDigest.getInstance("SHA-256").digest(value)));
    assertThat(d.getRawKey().remaining()).isEqualTo(TokenValidator.KEPT_BYTES);
    assertThat(d.getRawKeyLength()).isEqualTo(key.length);
  }

  @Test
  void aDeadLetterAlwaysFitsTheProducersDefaultMaxRequestSize() throws Exception {
    byte[] huge = new byte[10 << 20];
    java.util.Arrays.fill(huge, (byte) 'x');
    String topic = "t".repeat(249); // Kafka's longest topic name
    DeadLetter d =
        TokenValidator.reject(
                new RawRecord(huge, huge, topic, Integer.MAX_VALUE, Long.MAX_VALUE, 0),
                DeadLetterReason.OTHER,
                "r".repeat(5_000_000))
            .rejected();
    int encoded = d.toByteBuffer().remaining();
    assertThat(encoded).isLessThan(200 * 1024); // max.request.size defaults to 1 MiB
  }

  @Test
  void aRecordRefusedAfterTheKeyBySaysItsSourceIsUnknownAndKeepsItsEncoding() throws Exception {
    TokenSequence seq = TokenSequence.getDecoder().decode(bytes("m3", List.of(1, 2, 3)));
    DeadLetter d =
        TokenValidator.rejectDecoded(seq, DeadLetterReason.MODEL_CAP_EXCEEDED, "one too many");
    assertThat(d.getReasonCode()).isEqualTo(DeadLetterReason.MODEL_CAP_EXCEEDED);
    assertThat(d.getReason()).isEqualTo("one too many");
    assertThat(d.getSourceTopic()).isEqualTo(RawRecord.UNKNOWN_TOPIC).isEmpty();
    assertThat(d.getSourcePartition()).isEqualTo(RawRecord.UNKNOWN).isEqualTo(-1);
    assertThat(d.getSourceOffset()).isEqualTo(-1L);
    assertThat(d.getEventTime()).isEqualTo(Instant.ofEpochMilli(5));
    assertThat(d.getRawKey()).isEqualTo(ByteBuffer.wrap("m3".getBytes(StandardCharsets.UTF_8)));
    assertThat(TokenSequence.getDecoder().decode(d.getRawValue())).isEqualTo(seq);
  }

  private static long allocatedBytes() {
    var bean =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    return bean.getThreadAllocatedBytes(Thread.currentThread().getId());
  }
}
