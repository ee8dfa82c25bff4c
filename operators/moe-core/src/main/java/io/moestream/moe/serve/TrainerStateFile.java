package io.moestream.moe.serve;

import io.moestream.moe.codec.EntryChunks;
import io.moestream.moe.codec.SnapshotEntry;
import io.moestream.moe.train.MoeTrainer;
import io.moestream.moe.train.TrainerSnapshots;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code trainer-state.bin}: the trainer's snapshot entries exactly as the job keeps them in keyed
 * state ({@code meta}, {@code shared}, {@code slot/<l>/<s>}; each versioned and CRC-checked by
 * {@code SnapshotCodec}), framed as {@code "MOESTATE" · int count · (UTF key · int length ·
 * bytes)*}. An entry over {@code EntryChunks.CHUNK_BYTES} appears as its chunks ({@code shared},
 * {@code shared#1}, ...), which {@code TrainerSnapshots.restore} joins.
 */
final class TrainerStateFile {
  private static final long MAGIC = 0x4D4F455354415445L; // "MOESTATE"

  private TrainerStateFile() {}

  /** Streams the trainer's entries into {@code file}, one chunk at a time (see EntryChunks). */
  static void write(Path file, MoeTrainer t) throws IOException {
    int[] count = {0};
    try (DataOutputStream out =
        new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
      out.writeLong(MAGIC);
      out.writeInt(0); // the count, filled in below once known
      TrainerSnapshots.capture(
          t,
          null,
          EntryChunks.CHUNK_BYTES,
          (key, chunk) -> {
            out.writeUTF(key);
            out.writeInt(chunk.length);
            out.write(chunk);
            count[0]++;
          });
    }
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(Long.BYTES);
      f.writeInt(count[0]);
    }
  }

  static List<SnapshotEntry> read(Path file) throws IOException {
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
      if (in.readLong() != MAGIC) {
        throw new InvalidSnapshotException(file.getFileName() + " is not a trainer state file");
      }
      int n = in.readInt();
      List<SnapshotEntry> out = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String key = in.readUTF();
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        out.add(new SnapshotEntry(key, b));
      }
      return out;
    } catch (EOFException e) {
      throw new InvalidSnapshotException(file.getFileName() + " is truncated");
    }
  }
}
