package io.moestream.moe.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.serve.ModelExport;
import io.moestream.moe.tensor.Param;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads {@code model.safetensors} with a minimal reader written from the format's specification
 * (u64 little-endian header size, JSON header, raw little-endian data addressed by data_offsets),
 * sharing no code with the writer, and checks every name, dtype, shape and value against the live
 * parameters of the trainer.
 */
class SafetensorsLayoutTest {
  @TempDir Path tmp;

  @Test
  void everyServedTensorIsInTheFileWithItsNameShapeDtypeAndValues() throws Exception {
    ModelConfig mc = new ModelConfig(259, 16, 2, 2, 8, 24, RouterConfig.dynMoe(2, 5));
    TrainConfig tc = TrainConfig.defaults(3).withWindow(new RecordingWindow(2, 3, 4));
    try (MoeTrainer t = MoeTrainer.create(mc, tc)) {
      for (int i = 0; i < 9; i++) {
        t.train(AdamWSlotStateTest.batch(3, 8, i));
      }
      ModelExport.write(t, "x", tmp, "sp", -1, false, Instant.EPOCH);
      byte[] file = Files.readAllBytes(tmp.resolve("model.safetensors"));

      // --- the reader from the spec ---
      long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
      assertThat(n % 8).as("header padded to 8 bytes").isZero();
      JsonNode header =
          new ObjectMapper().readTree(new String(file, 8, (int) n, StandardCharsets.UTF_8));
      int dataStart = 8 + (int) n;

      boolean[][] active = t.activeSlots();
      List<String> expected = new ArrayList<>();
      for (Param p : t.store().all()) {
        if (!p.isExpertSlot() || active[p.layer()][p.slot()]) {
          expected.add(p.name());
        }
      }
      List<String> names = new ArrayList<>();
      long end = 0;
      for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().equals("__metadata__")) {
          continue;
        }
        names.add(e.getKey());
        JsonNode info = e.getValue();
        Param p = t.store().param(e.getKey());
        assertThat(info.get("dtype").asText()).isEqualTo("F32");
        long[] shape = new long[info.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
          shape[i] = info.get("shape").get(i).asLong();
        }
        assertThat(shape).as(e.getKey()).isEqualTo(p.value().getShape().getShape());
        long begin = info.get("data_offsets").get(0).asLong();
        long stop = info.get("data_offsets").get(1).asLong();
        assertThat(begin).as("tensors back to back").isEqualTo(end);
        end = stop;
        float[] values = new float[(int) ((stop - begin) / 4)];
        for (int i = 0; i < values.length; i++) {
          int at = dataStart + (int) begin + 4 * i;
          int bits =
              (file[at] & 0xff)
                  | (file[at + 1] & 0xff) << 8
                  | (file[at + 2] & 0xff) << 16
                  | (file[at + 3] & 0xff) << 24;
          values[i] = Float.intBitsToFloat(bits);
        }
        assertThat(values).as(e.getKey()).isEqualTo(p.value().toFloatArray());
      }
      assertThat(dataStart + end).as("nothing after the last tensor").isEqualTo(file.length);
      assertThat(names).isEqualTo(expected);
      assertThat(names)
          .contains(
              "wte",
              "layers.0.moe.gate.sim_matrix",
              "layers.1.moe.gate.thresholds",
              "layers.0.moe.experts.0.w1",
              "layers.1.moe.experts.1.b2",
              "ln_f.weight");
      int inactive = 0;
      for (boolean[] layer : active) {
        for (boolean a : layer) {
          inactive += a ? 0 : 1;
        }
      }
      assertThat(inactive).as("the fixture must leave free slots").isPositive();
      assertThat(expected).hasSize(t.store().all().size() - 4 * inactive);
      JsonNode meta = header.get("__metadata__");
      assertThat(meta.get("format").asText()).isEqualTo("pt");
      for (int l = 0; l < active.length; l++) {
        StringBuilder s = new StringBuilder();
        for (int e = 0; e < active[l].length; e++) {
          if (active[l][e]) {
            s.append(s.length() == 0 ? "" : ",").append(e);
          }
        }
        assertThat(meta.get("moestream.active_slots." + l).asText()).isEqualTo(s.toString());
      }
      assertThat(Arrays.stream(active).allMatch(l -> l.length == 5)).isTrue();
    }
  }
}
