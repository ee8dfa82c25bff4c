package io.moestream.moe.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.moestream.moe.codec.EntryChunks;
import io.moestream.moe.codec.SnapshotCodec;
import io.moestream.moe.codec.SnapshotEntry;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.tensor.Autograd;
import io.moestream.moe.tensor.HostFloats;
import io.moestream.moe.tensor.Param;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Captures a trainer's whole state — parameters, AdamW moments and ages, active slots, routing
 * records, step and RNG — as per-slot {@link SnapshotEntry}s, and restores it bit-exactly: a
 * restored trainer continues with the identical sequence of steps an uninterrupted one takes. The
 * {@code meta} entry is a versioned JSON document ({@link MetaJson}; the position-coded meta of
 * earlier builds is still read), the others are tensors in little-endian float32.
 */
public final class TrainerSnapshots {
  private TrainerSnapshots() {}

  /** Every entry: meta, shared and every expert slot, each whole (one chunk per entry). */
  public static List<SnapshotEntry> capture(MoeTrainer t) {
    return capture(t, null);
  }

  /**
   * Meta, shared and the expert slots flagged in {@code slots} ([layers][slots]; null = all): the
   * incremental form a checkpoint writes, where unflagged slots' stored entries are still current
   * (see {@link ChangedSlots}). Each entry whole: for tests and small models; the job streams with
   * {@link #capture(MoeTrainer, boolean[][], int, EntryChunks.Sink)}.
   */
  public static List<SnapshotEntry> capture(MoeTrainer t, boolean[][] slots) {
    Map<String, byte[]> joined = new LinkedHashMap<>();
    capture(
        t,
        slots,
        Integer.MAX_VALUE - 8,
        (key, chunk) -> {
          if (joined.put(key, chunk) != null || EntryChunks.isContinuation(key)) {
            throw new IllegalStateException("entry " + key + " does not fit one array");
          }
        });
    List<SnapshotEntry> out = new ArrayList<>();
    joined.forEach((k, v) -> out.add(new SnapshotEntry(k, v)));
    return out;
  }

  /**
   * Writes meta, shared and the flagged expert slots into {@code sink} one entry at a time, each in
   * chunks of at most {@code chunkBytes} ({@link EntryChunks}): the heap holds one chunk, a 64 KB
   * buffer and one tensor's 64 KB window, never the model.
   *
   * @return bytes written
   */
  public static long capture(
      MoeTrainer t, boolean[][] slots, int chunkBytes, EntryChunks.Sink sink) {
    long bytes = SnapshotCodec.encode("meta", o -> writeMeta(o, t), 0, chunkBytes, sink);
    Map<String, List<Param>> groups = groups(t);
    for (Map.Entry<String, List<Param>> g : groups.entrySet()) {
      Param first = g.getValue().get(0);
      if (slots != null && first.isExpertSlot() && !slots[first.layer()][first.slot()]) {
        continue;
      }
      bytes +=
          SnapshotCodec.encode(
              g.getKey(),
              o -> writeTensors(o, t, g.getValue()),
              tensorBytes(g.getValue()),
              chunkBytes,
              sink);
    }
    return bytes;
  }

  public static MoeTrainer restore(List<SnapshotEntry> entries) {
    return restore(entries, null);
  }

  /** {@link #restore(List)} onto {@code device} (null: the engine's default device). */
  public static MoeTrainer restore(List<SnapshotEntry> entries, Device device) {
    Map<String, byte[]> byKey = new LinkedHashMap<>();
    for (SnapshotEntry e : entries) {
      byKey.put(e.key(), e.bytes());
    }
    return restore(byKey::get, device);
  }

  /**
   * Restores from stored entries, whole or in chunks ({@link EntryChunks}), asking {@code source}
   * for one stored value at a time: meta first, then each group of the model it describes.
   */
  public static MoeTrainer restore(EntryChunks.Source source, Device device) {
    TrainerMeta meta = SnapshotCodec.decode("meta", source, TrainerMeta::read);
    MoeTrainer t = MoeTrainer.create(meta.model(), meta.train(), device);
    try {
      for (String key : groups(t).keySet()) {
        SnapshotCodec.decode(key, source, in -> readTensors(in, t, key));
      }
      t.restoreCounters(meta.step(), meta.active());
      t.rng().setState(meta.rngState());
      t.optimizer().setAges(meta.sharedAge(), meta.slotAges());
      for (int l = 0; l < meta.records().length; l++) {
        t.records()[l] = meta.records()[l];
      }
      return t;
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
  }

  /**
   * Every entry key a model with this {@code meta} entry can have ({@code meta}, {@code shared},
   * {@code slot/l/s} for each layer and slot the meta counts), for readers that fetch entries by
   * key instead of listing the store; a router without slots simply has none of the slot keys.
   */
  public static List<String> entryKeys(EntryChunks.Source source) {
    TrainerMeta meta = SnapshotCodec.decode("meta", source, TrainerMeta::read);
    List<String> keys = new ArrayList<>(List.of("meta", "shared"));
    for (int l = 0; l < meta.slotAges().length; l++) {
      for (int s = 0; s < meta.slotAges()[l].length; s++) {
        keys.add(SnapshotEntry.slotKey(l, s));
      }
    }
    return keys;
  }

  /**
   * The model and training config a stored model was built with, read from its {@code meta} entry
   * alone: enough to compare with a run's settings before restoring anything.
   *
   * @param model the stored model's shape and router
   * @param train the stored optimizer and lifecycle settings (a restored model trains with these)
   */
  public record StoredConfig(ModelConfig model, TrainConfig train) {}

  /**
   * The config in a model's {@code meta} entry; throws {@link
   * SnapshotCodec.CorruptSnapshotException}.
   */
  public static StoredConfig storedConfig(EntryChunks.Source source) {
    TrainerMeta meta = SnapshotCodec.decode("meta", source, TrainerMeta::read);
    return new StoredConfig(meta.model(), meta.train());
  }

  /** Parameters grouped by entry key: "shared", then "slot/l/s" in layer, slot order. */
  private static Map<String, List<Param>> groups(MoeTrainer t) {
    Map<String, List<Param>> g = new LinkedHashMap<>();
    g.put("shared", new ArrayList<>());
    for (Param p : t.store().all()) {
      String key = p.isExpertSlot() ? SnapshotEntry.slotKey(p.layer(), p.slot()) : "shared";
      g.computeIfAbsent(key, k -> new ArrayList<>()).add(p);
    }
    return g;
  }

  /** The payload length {@link #writeTensors} writes for {@code params} (names are ASCII). */
  private static long tensorBytes(List<Param> params) {
    long n = 4;
    for (Param p : params) {
      long[] shape = p.value().getShape().getShape();
      n += 2 + p.name().length() + 4 + 8L * shape.length + 3L * Float.BYTES * p.value().size();
    }
    return n;
  }

  /** Copy window between a tensor's native buffer and the entry stream. */
  private static final int WINDOW = 1 << 16;

  private static void writeTensors(DataOutputStream o, MoeTrainer t, List<Param> params)
      throws IOException {
    o.writeInt(params.size());
    byte[] window = new byte[WINDOW];
    for (Param p : params) {
      NDArray[] mv = t.optimizer().moments(p.name());
      o.writeUTF(p.name());
      long[] shape = p.value().getShape().getShape();
      o.writeInt(shape.length);
      for (long d : shape) {
        o.writeLong(d);
      }
      for (NDArray a : new NDArray[] {p.value(), mv[0], mv[1]}) {
        if (a.getDataType() != DataType.FLOAT32) {
          throw new IllegalStateException("only float32 models are snapshotted: " + p.name());
        }
        writeLittleEndian(o, a.toByteBuffer(), window);
      }
    }
  }

  private static Void readTensors(DataInputStream in, MoeTrainer t, String key) throws IOException {
    int n = in.readInt();
    byte[] window = new byte[WINDOW];
    for (int i = 0; i < n; i++) {
      String name = in.readUTF();
      if (!t.store().contains(name)) {
        throw new SnapshotCodec.CorruptSnapshotException(key, "unknown tensor " + name);
      }
      Param p = t.store().param(name);
      int rank = in.readInt();
      long[] shape = new long[rank];
      for (int r = 0; r < rank; r++) {
        shape[r] = in.readLong();
      }
      if (!java.util.Arrays.equals(shape, p.value().getShape().getShape())) {
        throw new SnapshotCodec.CorruptSnapshotException(key, "shape mismatch for " + name);
      }
      NDArray[] mv = t.optimizer().moments(name);
      for (NDArray a : new NDArray[] {p.value(), mv[0], mv[1]}) {
        float[] f = new float[(int) a.size()];
        FloatBuffer dst = FloatBuffer.wrap(f);
        for (int left = f.length * 4; left > 0; ) {
          int k = Math.min(left, window.length);
          in.readFully(window, 0, k);
          dst.put(ByteBuffer.wrap(window, 0, k).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer());
          left -= k;
        }
        Autograd.noGrad(() -> HostFloats.copyInto(a, f));
      }
    }
    return null;
  }

  /**
   * Writes a tensor's raw float32 bytes in little-endian order, whatever the platform's order,
   * through {@code window}: no heap copy of the whole tensor.
   */
  private static void writeLittleEndian(DataOutputStream o, ByteBuffer raw, byte[] window)
      throws IOException {
    if (raw.order() == ByteOrder.LITTLE_ENDIAN) {
      while (raw.hasRemaining()) {
        int k = Math.min(raw.remaining(), window.length);
        raw.get(window, 0, k);
        o.write(window, 0, k);
      }
      return;
    }
    FloatBuffer floats = raw.asFloatBuffer();
    ByteBuffer w = ByteBuffer.wrap(window).order(ByteOrder.LITTLE_ENDIAN);
    while (floats.hasRemaining()) {
      int k = Math.min(floats.remaining(), window.length / 4);
      w.clear();
      for (int i = 0; i < k; i++) {
        w.putFloat(floats.get());
      }
      o.write(window, 0, 4 * k);
    }
  }

  private static void writeMeta(DataOutputStream o, MoeTrainer t) throws IOException {
    o.write(MetaJson.write(TrainerMeta.of(t)));
  }
}
