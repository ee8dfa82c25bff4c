package io.moestream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

class AvroCodecTest {

  private static final Instant T = Instant.ofEpochMilli(1_767_225_600_123L);

  static TokenSequence tokens() {
    return TokenSequence.newBuilder()
        .setModelId("model-a")
        .setSequenceId(17)
        .setTokens(List.of(1, 2, 3, 255, 0))
        .setDomain("de")
        .setModality("text")
        .setEventTime(T)
        .build();
  }

  static ExpertLifecycleEvent spawn(int d) {
    Random random = new Random(7);
    List<Float> direction = new ArrayList<>(d);
    double norm = 0;
    float[] raw = new float[d];
    for (int i = 0; i < d; i++) {
      raw[i] = (float) random.nextGaussian();
      norm += raw[i] * raw[i];
    }
    for (int i = 0; i < d; i++) {
      direction.add((float) (raw[i] / Math.sqrt(norm)));
    }
    return ExpertLifecycleEvent.newBuilder()
        .setEventId(LifecycleKeys.eventId("model-a", 1, 5, ExpertEventKind.SPAWNED, 1200))
        .setModelId("model-a")
        .setLayer(1)
        .setSlot(5)
        .setKind(ExpertEventKind.SPAWNED)
        .setStep(1200)
        .setEventTime(T)
        .setDirection(direction)
        .setThreshold(0.0)
        .setWindowTokens(65_536)
        .setUnroutedTokens(4_096)
        .setActivations(0)
        .setActiveAfter(9)
        .setInitialisedFrom(2)
        .setConfigHash("3f2a9c")
        .build();
  }

  static ExpertLifecycleEvent prune() {
    // Only the required fields: the defaults fill in the rest.
    return ExpertLifecycleEvent.newBuilder()
        .setEventId(LifecycleKeys.eventId("model-a", 0, 3, ExpertEventKind.PRUNED, 1300))
        .setModelId("model-a")
        .setLayer(0)
        .setSlot(3)
        .setKind(ExpertEventKind.PRUNED)
        .setStep(1300)
        .setEventTime(T)
        .build();
  }

  static TrainingSummary summary() {
    return TrainingSummary.newBuilder()
        .setModelId("model-a")
        .setStep(1000)
        .setEventTime(T)
        .setPrequentialLoss(3.25)
        .setTokens(128_000)
        .setTokensPerSecond(5_400.5)
        .setAvgK(List.of(1.5, 2.25))
        .setActiveExperts(List.of(8, 9))
        .setSkippedSteps(1)
        .setSpawns(2)
        .setPrunes(1)
        .build();
  }

  static DeadLetter deadLetter(byte[] key) {
    return DeadLetter.newBuilder()
        .setRawKey(key == null ? null : ByteBuffer.wrap(key))
        .setRawValue(ByteBuffer.wrap(new byte[] {1, 2, 3, (byte) 0xff}))
        .setReason("token 70000 out of range [0, 50257)")
        .setReasonCode(DeadLetterReason.TOKEN_OUT_OF_RANGE)
        .setSourceTopic("tokens")
        .setSourcePartition(3)
        .setSourceOffset(123_456_789_012L)
        .setEventTime(T)
        .build();
  }

  @Test
  void roundTripsEveryRecord() {
    List<Object> records =
        List.of(
            tokens(),
            TokenSequence.newBuilder(tokens()).setDomain(null).setModality(null).build(),
            spawn(16),
            prune(),
            summary(),
            deadLetter("model-a".getBytes(StandardCharsets.UTF_8)),
            deadLetter(null));
    for (Object record : records) {
      byte[] bytes = AvroCodec.encode((org.apache.avro.specific.SpecificRecord) record);
      // Single-object encoding: marker C3 01, then the 8-byte schema fingerprint.
      assertThat(Arrays.copyOf(bytes, 2)).containsExactly(0xC3, 0x01);
      assertThat(AvroCodec.decode(bytes, record.getClass())).isEqualTo(record);
    }
  }

  @Test
  void pruneGetsTheDocumentedDefaults() {
    ExpertLifecycleEvent decoded =
        AvroCodec.decode(AvroCodec.encode(prune()), ExpertLifecycleEvent.class);
    assertThat(decoded.getDirection()).isEmpty();
    assertThat(decoded.getThreshold()).isNull();
    assertThat(decoded.getInitialisedFrom()).isEqualTo(-1);
    assertThat(decoded.getConfigHash()).isEmpty();
    assertThat(decoded.getEventTime()).isEqualTo(T);
  }

  @Test
  void directionOfWidth512StaysFarBelowKafkasMessageLimit() {
    ExpertLifecycleEvent event = spawn(512);
    byte[] bytes = AvroCodec.encode(event);
    // 512 floats = 2 KiB plus a few dozen bytes of header and stats; Kafka refuses > 1 MB.
    assertThat(bytes.length).isLessThan(4 * 1024).isLessThan(1_000_000 / 100);
    ExpertLifecycleEvent decoded = AvroCodec.decode(bytes, ExpertLifecycleEvent.class);
    assertThat(decoded.getDirection()).hasSize(512).isEqualTo(event.getDirection());
    // Even a model 16x wider stays well below the limit.
    assertThat(AvroCodec.encode(spawn(8192)).length).isLessThan(40 * 1024);
  }

  @Test
  void garbageBytesGiveAClearError() {
    byte[] random = new byte[64];
    new Random(1).nextBytes(random);
    random[0] = 0x12; // make sure it is not the single-object marker by chance
    for (byte[] garbage :
        List.of(
            random,
            new byte[0],
            "{\"modelId\":\"m\"}".getBytes(StandardCharsets.UTF_8),
            new byte[] {(byte) 0xC3})) {
      assertThatThrownBy(() -> AvroCodec.decode(garbage, TokenSequence.class))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("not a TokenSequence")
          .hasMessageContaining("single-object header");
    }
  }

  @Test
  void aRecordOfAnotherSchemaGivesAClearError() {
    byte[] summary = AvroCodec.encode(summary());
    assertThatThrownBy(() -> AvroCodec.decode(summary, TokenSequence.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("not a TokenSequence")
        .hasMessageContaining("another schema");
    byte[] event = AvroCodec.encode(prune());
    assertThatThrownBy(() -> AvroCodec.decode(event, DeadLetter.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("another schema");
  }

  @Test
  void aTruncatedRecordGivesAClearError() {
    byte[] bytes = AvroCodec.encode(tokens());
    byte[] truncated = Arrays.copyOf(bytes, bytes.length - 5);
    assertThatThrownBy(() -> AvroCodec.decode(truncated, TokenSequence.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("truncated or corrupt");
  }

  @Test
  void refusesNullsNonRecordTypesAndInvalidRecords() {
    assertThatThrownBy(() -> AvroCodec.encode(null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AvroCodec.decode(null, TokenSequence.class))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AvroCodec.decode(new byte[] {1}, String.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a generated Avro record");
    TokenSequence missingModelId = new TokenSequence();
    missingModelId.setSequenceId(1L);
    missingModelId.setTokens(List.of(1));
    missingModelId.setEventTime(T);
    assertThatThrownBy(() -> AvroCodec.encode(missingModelId))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot encode TokenSequence");
  }

  @Test
  void aKindAddedByALaterWriterDecodesAsUnknown() throws java.io.IOException {
    // A later writer adds the kind MERGED and a field; today's reader must still decode it.
    Schema current = ExpertLifecycleEvent.getClassSchema();
    Schema kind = current.getField("kind").schema();
    Schema futureKind =
        Schema.createEnum(
            kind.getName(),
            kind.getDoc(),
            kind.getNamespace(),
            List.of("SPAWNED", "PRUNED", "UNKNOWN", "STAGE_CHANGED", "MERGED"),
            "UNKNOWN");
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field f : current.getFields()) {
      fields.add(
          f.name().equals("kind")
              ? new Schema.Field("kind", futureKind, f.doc(), "UNKNOWN")
              : new Schema.Field(f, f.schema()));
    }
    fields.add(new Schema.Field("mergedInto", Schema.create(Schema.Type.INT), "later field", -1));
    Schema future =
        Schema.createRecord(
            current.getName(), current.getDoc(), current.getNamespace(), false, fields);

    GenericRecord written = new GenericData.Record(future);
    written.put("eventId", "id");
    written.put("modelId", "model-a");
    written.put("layer", 0);
    written.put("slot", 4);
    written.put("kind", new GenericData.EnumSymbol(futureKind, "MERGED"));
    written.put("step", 77L);
    written.put("eventTime", T.toEpochMilli());
    written.put("direction", List.of());
    written.put("threshold", null);
    written.put("windowTokens", 10L);
    written.put("unroutedTokens", 0L);
    written.put("activations", 3L);
    written.put("activeAfter", 7);
    written.put("initialisedFrom", -1);
    written.put("configHash", "h");
    written.put("mergedInto", 2);
    byte[] bytes =
        new BinaryMessageEncoder<GenericRecord>(GenericData.get(), future).encode(written).array();

    // Today's codec does not know the future writer schema (the fingerprint tells it so) ...
    assertThatThrownBy(() -> AvroCodec.decode(bytes, ExpertLifecycleEvent.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("another schema");
    // ... and once the writer schema is known (it ships in the upgraded jar's history), the
    // unknown kind resolves to UNKNOWN and the unknown field is skipped.
    BinaryMessageDecoder<ExpertLifecycleEvent> decoder =
        AvroCodec.newDecoder(ExpertLifecycleEvent.class, List.of(future));
    ExpertLifecycleEvent read = decoder.decode(bytes);
    assertThat(read.getKind()).isEqualTo(ExpertEventKind.UNKNOWN);
    assertThat(read.getSlot()).isEqualTo(4);
    assertThat(read.getStep()).isEqualTo(77L);
    assertThat(read.getEventTime()).isEqualTo(T);
  }

  @Test
  void aStageChangeRoundTripsAndAVersionOneReaderSeesItAsUnknown() throws java.io.IOException {
    ExpertLifecycleEvent stage =
        ExpertLifecycleEvent.newBuilder()
            .setEventId(LifecycleKeys.eventId("m", -1, -1, ExpertEventKind.STAGE_CHANGED, 99))
            .setModelId("m")
            .setLayer(-1)
            .setSlot(-1)
            .setKind(ExpertEventKind.STAGE_CHANGED)
            .setStep(99)
            .setEventTime(T)
            .setStage("DTR")
            .build();
    ExpertLifecycleEvent back =
        AvroCodec.decode(AvroCodec.encode(stage), ExpertLifecycleEvent.class);
    assertThat(back).isEqualTo(stage);
    assertThat(LifecycleKeys.kafkaKey(back)).isEqualTo("m/-1/-1");

    // A consumer still on v1 (no STAGE_CHANGED, no stage field) reads it as UNKNOWN and skips it.
    Schema v1;
    try (var in = getClass().getResourceAsStream("/schemas/history/ExpertLifecycleEvent/v1.avsc")) {
      v1 = new Schema.Parser().parse(in);
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    var enc = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
    new org.apache.avro.specific.SpecificDatumWriter<ExpertLifecycleEvent>(
            ExpertLifecycleEvent.getClassSchema())
        .write(stage, enc);
    enc.flush();
    GenericRecord old =
        new org.apache.avro.generic.GenericDatumReader<GenericRecord>(
                ExpertLifecycleEvent.getClassSchema(), v1)
            .read(
                null,
                org.apache.avro.io.DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
    assertThat(old.get("kind").toString()).isEqualTo("UNKNOWN");
    assertThat(old.get("step")).isEqualTo(99L);
    assertThat(old.getSchema().getField("stage")).isNull();

    // An event written with v1 reads with stage = null.
    GenericRecord v1Event = new GenericData.Record(v1);
    for (Schema.Field f : v1.getFields()) {
      v1Event.put(f.name(), f.hasDefaultValue() ? GenericData.get().getDefaultValue(f) : null);
    }
    v1Event.put("eventId", "id");
    v1Event.put("modelId", "m");
    v1Event.put("layer", 0);
    v1Event.put("slot", 1);
    v1Event.put("kind", new GenericData.EnumSymbol(v1.getField("kind").schema(), "PRUNED"));
    v1Event.put("step", 5L);
    v1Event.put("eventTime", T.toEpochMilli());
    byte[] v1Bytes =
        new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(v1Event).array();
    ExpertLifecycleEvent read = AvroCodec.decode(v1Bytes, ExpertLifecycleEvent.class);
    assertThat(read.getKind()).isEqualTo(ExpertEventKind.PRUNED);
    assertThat(read.getStage()).isNull();
  }
}
