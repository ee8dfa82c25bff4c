package io.moestream.moe.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors file format (https://huggingface.co/docs/safetensors), float32 only: an 8-byte
 * little-endian header length N, N bytes of UTF-8 JSON ({@code "__metadata__"}: string → string;
 * every other key a tensor: {@code dtype}, {@code shape}, {@code data_offsets} [begin, end)
 * relative to the end of the header), then the tensors' raw little-endian row-major bytes, back to
 * back in header order. The header is padded with spaces to a multiple of 8 bytes, as the reference
 * writer does, so the data starts aligned.
 *
 * <p>{@code safetensors.torch.load_file(path)} reads what {@link #write} writes.
 */
public final class SafeTensors {
  /** Header lengths above this are refused: no model here has a header of 100 MB. */
  static final long MAX_HEADER = 100L << 20;

  private static final ObjectMapper JSON = new ObjectMapper();

  private SafeTensors() {}

  /**
   * One float32 tensor.
   *
   * @param name the tensor's name in the file
   * @param shape its dimensions (empty for a scalar)
   * @param data its values, row-major
   */
  public record Tensor(String name, long[] shape, float[] data) {
    public Tensor {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      if (n != data.length) {
        throw new IllegalArgumentException(name + ": " + data.length + " values for shape " + n);
      }
    }
  }

  /** Tensors by name (file order) and the {@code __metadata__} strings. */
  public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

  public static void write(Path file, List<Tensor> tensors, Map<String, String> metadata)
      throws IOException {
    ObjectNode header = JSON.createObjectNode();
    ObjectNode meta = header.putObject("__metadata__");
    metadata.forEach(meta::put);
    long offset = 0;
    for (Tensor t : tensors) {
      ObjectNode e = header.putObject(t.name());
      e.put("dtype", "F32");
      ArrayNode shape = e.putArray("shape");
      for (long d : t.shape()) {
        shape.add(d);
      }
      long end = offset + 4L * t.data().length;
      e.putArray("data_offsets").add(offset).add(end);
      offset = end;
    }
    byte[] json = JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8;
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
      out.write(json);
      out.write(" ".repeat(padded - json.length).getBytes(StandardCharsets.US_ASCII));
      for (Tensor t : tensors) {
        ByteBuffer b = ByteBuffer.allocate(4 * t.data().length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(t.data());
        out.write(b.array());
      }
    }
  }

  /**
   * Reads and validates a whole file.
   *
   * @throws InvalidSnapshotException if the file is truncated, has a malformed header, a dtype
   *     other than F32, offsets outside the data or overlapping, or bytes after the last tensor
   */
  public static Contents read(Path file) throws IOException {
    byte[] all = Files.readAllBytes(file);
    String where = file.getFileName().toString();
    if (all.length < 8) {
      throw invalid(where, "truncated: " + all.length + " bytes, no header length");
    }
    long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (n < 2 || n > MAX_HEADER || n > all.length - 8L) {
      throw invalid(
          where, "header length " + n + " does not fit a file of " + all.length + " bytes");
    }
    JsonNode header;
    try {
      header = JSON.readTree(new String(all, 8, (int) n, StandardCharsets.UTF_8));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw invalid(where, "header is not valid JSON (" + e.getOriginalMessage() + ")");
    }
    if (header == null || !header.isObject()) {
      throw invalid(where, "header is not a JSON object");
    }
    int base = 8 + (int) n;
    long dataLength = all.length - (long) base;
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    long covered = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      if (f.getKey().equals("__metadata__")) {
        f.getValue()
            .fields()
            .forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
        continue;
      }
      Tensor t = tensor(where, f.getKey(), f.getValue(), all, base, dataLength);
      covered += 4L * t.data().length;
      tensors.put(t.name(), t);
    }
    if (covered != dataLength) {
      throw invalid(
          where, "tensors cover " + covered + " of " + dataLength + " data bytes (truncated?)");
    }
    return new Contents(tensors, metadata);
  }

  private static Tensor tensor(
      String where, String name, JsonNode e, byte[] all, int base, long dataLength) {
    if (!"F32".equals(e.path("dtype").asText())) {
      throw invalid(where, name + ": dtype " + e.path("dtype") + " (this reader takes F32)");
    }
    JsonNode shapeNode = e.path("shape");
    JsonNode off = e.path("data_offsets");
    if (!shapeNode.isArray() || !off.isArray() || off.size() != 2) {
      throw invalid(where, name + ": shape or data_offsets missing");
    }
    long[] shape = new long[shapeNode.size()];
    long count = 1;
    for (int i = 0; i < shape.length; i++) {
      shape[i] = shapeNode.get(i).asLong(-1);
      if (shape[i] < 0) {
        throw invalid(where, name + ": negative dimension");
      }
      count *= shape[i];
    }
    long begin = off.get(0).asLong(-1);
    long end = off.get(1).asLong(-1);
    if (begin < 0 || end > dataLength || end - begin != 4 * count) {
      throw invalid(
          where,
          name + ": data_offsets [" + begin + ", " + end + ") outside " + dataLength + " bytes");
    }
    float[] data = new float[(int) count];
    ByteBuffer.wrap(all, base + (int) begin, (int) (end - begin))
        .order(ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer()
        .get(data);
    return new Tensor(name, shape, data);
  }

  private static InvalidSnapshotException invalid(String where, String why) {
    return new InvalidSnapshotException(where + " is not a valid safetensors file: " + why);
  }
}
