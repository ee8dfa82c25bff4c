package io.moestream.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/**
 * TrainingSummary v2 added the refused-spawn counters with default 0: a summary written by v1 reads
 * with both at 0, and a v1 reader still reads a v2 summary (it skips the new fields).
 */
class TrainingSummaryVersionsTest {

  private static Schema v1() throws IOException {
    try (InputStream in =
        TrainingSummaryVersionsTest.class.getResourceAsStream(
            "/schemas/history/TrainingSummary/v1.avsc")) {
      return new Schema.Parser().parse(in);
    }
  }

  private static byte[] write(Schema schema, GenericRecord r) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(schema).write(r, enc);
    enc.flush();
    return out.toByteArray();
  }

  private static GenericRecord read(Schema writer, Schema reader, byte[] bytes) throws IOException {
    return new GenericDatumReader<GenericRecord>(writer, reader)
        .read(null, DecoderFactory.get().binaryDecoder(bytes, null));
  }

  @Test
  void aV1SummaryReadsWithZeroRefusedSpawns() throws IOException {
    Schema v1 = v1();
    GenericRecord old = new GenericData.Record(v1);
    for (Schema.Field f : v1.getFields()) {
      old.put(f.name(), f.hasDefaultValue() ? GenericData.get().getDefaultValue(f) : null);
    }
    old.put("modelId", "m");
    old.put("step", 10L);
    old.put("eventTime", 0L);
    old.put("prequentialLoss", 2.5);
    old.put("spawns", 1L);

    GenericRecord now = read(v1, TrainingSummary.getClassSchema(), write(v1, old));

    assertThat(now.get("spawns")).isEqualTo(1L);
    assertThat(now.get("spawnsRefusedNoSlot")).isEqualTo(0L);
    assertThat(now.get("spawnsRefusedNonFinite")).isEqualTo(0L);
  }

  @Test
  void aV1ReaderReadsAV2Summary() throws IOException {
    TrainingSummary s =
        TrainingSummary.newBuilder()
            .setModelId("m")
            .setStep(20)
            .setEventTime(Instant.EPOCH)
            .setPrequentialLoss(2.0)
            .setAvgK(List.of())
            .setActiveExperts(List.of(8))
            .setSpawnsRefusedNoSlot(3)
            .setSpawnsRefusedNonFinite(1)
            .build();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    new org.apache.avro.specific.SpecificDatumWriter<TrainingSummary>(TrainingSummary.class)
        .write(s, enc);
    enc.flush();

    GenericRecord old = read(TrainingSummary.getClassSchema(), v1(), out.toByteArray());

    assertThat(old.get("step")).isEqualTo(20L);
    assertThat(old.getSchema().getField("spawnsRefusedNoSlot")).isNull();
  }
}
