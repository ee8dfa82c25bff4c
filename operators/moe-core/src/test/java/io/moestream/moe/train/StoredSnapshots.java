package io.moestream.moe.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moestream.moe.codec.SnapshotCodec;
import io.moestream.moe.codec.SnapshotEntry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Snapshot entries committed under {@code src/test/resources/snapshots/}: one file per entry
 * ({@code slot/0/1} is {@code slot-0-1.bin}) and a {@code fixture.json} with the step and the
 * digest the trainer had when they were written.
 *
 * @param entries the entries in the order {@code fixture.json} lists them (meta first)
 * @param step the trainer's step when captured
 * @param digest the trainer's {@code MoeTrainer.digest()} when captured
 */
record StoredSnapshots(List<SnapshotEntry> entries, long step, String digest) {

  static StoredSnapshots load(String dir) {
    try {
      JsonNode fixture = new ObjectMapper().readTree(resource(dir + "/fixture.json"));
      List<SnapshotEntry> entries = new ArrayList<>();
      for (JsonNode key : fixture.get("entries")) {
        entries.add(new SnapshotEntry(key.asText(), resource(dir + "/" + file(key.asText()))));
      }
      return new StoredSnapshots(
          entries, fixture.get("step").asLong(), fixture.get("digest").asText());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String file(String key) {
    return key.replace('/', '-') + ".bin";
  }

  static byte[] resource(String path) throws IOException {
    try (InputStream in = StoredSnapshots.class.getResourceAsStream("/snapshots/" + path)) {
      if (in == null) {
        throw new IOException("no test resource snapshots/" + path);
      }
      return in.readAllBytes();
    }
  }

  /** The {@code meta} entry's payload (inside the codec's envelope). */
  byte[] metaPayload() {
    return SnapshotCodec.decode("meta", entries.get(0).bytes(), in -> in.readAllBytes());
  }

  /** These entries with {@code payload} as the meta's, in a fresh envelope. */
  List<SnapshotEntry> withMetaPayload(byte[] payload) {
    List<SnapshotEntry> out = new ArrayList<>(entries);
    out.set(0, new SnapshotEntry("meta", SnapshotCodec.encode(o -> o.write(payload))));
    return out;
  }

  /** These entries with {@code meta} (a whole entry) as the meta. */
  List<SnapshotEntry> withMeta(byte[] meta) {
    List<SnapshotEntry> out = new ArrayList<>(entries);
    out.set(0, new SnapshotEntry("meta", meta));
    return out;
  }
}
