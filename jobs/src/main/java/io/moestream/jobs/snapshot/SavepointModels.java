package io.moestream.jobs.snapshot;

import io.moestream.moe.codec.SnapshotEntry;
import io.moestream.schemas.TrainerCursorState;
import io.moestream.state.TrainerCursor;
import io.moestream.state.TrainerState;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.state.api.runtime.SavepointLoader;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;

/**
 * Reads the trainer's keyed state ({@link TrainerState}) out of a savepoint or retained checkpoint
 * with Flink's State Processor API, in a local batch job: no running job, no Kafka. Works for
 * RocksDB savepoints and for incremental RocksDB checkpoints (the RocksDB backend reads both).
 *
 * <p>Before starting Flink it checks the savepoint's metadata, so a wrong path, a directory that is
 * not a savepoint, a savepoint of another job and the final checkpoint of a finished bounded run
 * (which keeps no operator state) each get their own message.
 */
public final class SavepointModels {
  /** The trainer operator's uid in {@code MoeStreamingJob}. */
  public static final String TRAINER_UID = "moe-trainer";

  private static final String CURSOR = "#cursor";
  private static final String SKIPPED = "#skipped";

  private SavepointModels() {}

  /**
   * One model as stored in keyed state.
   *
   * @param modelId the key
   * @param entries the snapshot entries ({@code meta}, {@code shared}, {@code slot/l/s})
   * @param cursor the job's counters for this model, or {@link TrainerCursor#START}
   */
  public record StoredModel(String modelId, List<SnapshotEntry> entries, TrainerCursor cursor) {}

  /**
   * What a savepoint holds.
   *
   * @param modelIds every model id in the savepoint, sorted
   * @param models the models that were asked for, by id
   */
  public record Contents(Set<String> modelIds, Map<String, StoredModel> models) {}

  /**
   * @param only model ids to read; empty for all
   * @param tmp Flink's temporary directory for the local job
   */
  public static Contents read(Path savepoint, Set<String> only, Path tmp) throws Exception {
    checkMetadata(savepoint);
    Configuration conf = new Configuration();
    conf.setString("io.tmp.dirs", tmp.toAbsolutePath().toString());
    conf.setString("rest.bind-address", "127.0.0.1");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
    env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    SavepointReader reader =
        SavepointReader.read(
            env, savepoint.toAbsolutePath().toUri().toString(), new EmbeddedRocksDBStateBackend());
    TypeInformation<Tuple3<String, String, byte[]>> type =
        TypeInformation.of(new TypeHint<Tuple3<String, String, byte[]>>() {});
    Map<String, List<SnapshotEntry>> entries = new TreeMap<>();
    Map<String, TrainerCursor> cursors = new TreeMap<>();
    Set<String> ids = new TreeSet<>();
    try (CloseableIterator<Tuple3<String, String, byte[]>> it =
        reader
            .readKeyedState(
                OperatorIdentifier.forUid(TRAINER_UID),
                new Reader(new HashSet<>(only)),
                Types.STRING,
                type)
            .executeAndCollect("moe snapshot export")) {
      while (it.hasNext()) {
        Tuple3<String, String, byte[]> t = it.next();
        ids.add(t.f0);
        if (t.f1.equals(CURSOR)) {
          cursors.put(t.f0, cursorOf(t.f2));
        } else if (!t.f1.equals(SKIPPED)) {
          entries.computeIfAbsent(t.f0, k -> new ArrayList<>()).add(new SnapshotEntry(t.f1, t.f2));
        }
      }
    }
    Map<String, StoredModel> out = new TreeMap<>();
    entries.forEach(
        (id, e) ->
            out.put(id, new StoredModel(id, e, cursors.getOrDefault(id, TrainerCursor.START))));
    return new Contents(ids, out);
  }

  /** Fails with a message a user can act on unless {@code savepoint} holds trainer state. */
  static void checkMetadata(Path savepoint) throws IOException {
    if (!Files.exists(savepoint)) {
      throw new IllegalArgumentException("no savepoint or checkpoint at " + savepoint);
    }
    CheckpointMetadata meta;
    try {
      meta = SavepointLoader.loadSavepointMetadata(savepoint.toAbsolutePath().toString());
    } catch (FileNotFoundException e) {
      throw new IllegalArgumentException(
          savepoint + " is not a Flink savepoint or checkpoint (no _metadata file)");
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          savepoint + " is not a readable Flink savepoint or checkpoint: " + e.getMessage());
    }
    var trainer = OperatorIdentifier.forUid(TRAINER_UID).getOperatorId();
    OperatorState state = null;
    for (OperatorState s : meta.getOperatorStates()) {
      if (s.getOperatorID().equals(trainer)) {
        state = s;
      }
    }
    if (state == null) {
      throw new IllegalArgumentException(
          savepoint
              + " holds no state of the operator '"
              + TRAINER_UID
              + "': a savepoint of another job? (it has "
              + meta.getOperatorStates().size()
              + " other operator(s))");
    }
    if (state.isFullyFinished()) {
      throw new IllegalArgumentException(
          savepoint
              + " was taken after the trainer finished (the final checkpoint of a bounded run"
              + " keeps no state): stop the job with a savepoint instead");
    }
  }

  private static long[] longs(byte[] b) {
    ByteBuffer buf = ByteBuffer.wrap(b);
    long[] out = new long[b.length / 8];
    for (int i = 0; i < out.length; i++) {
      out[i] = buf.getLong();
    }
    return out;
  }

  /**
   * Emits (model id, entry key, bytes) for each model entry and the model's cursor. Every key emits
   * at least one record: the State Processor API 2.2 fails with a NullPointerException on a key for
   * which the function emits nothing.
   */
  private static TrainerCursor cursorOf(byte[] bytes) {
    if (bytes.length == 0) {
      return TrainerCursor.START;
    }
    long[] c = longs(bytes);
    return new TrainerCursor(c[0], c[1], c[2], c[3], c[4]);
  }

  static final class Reader
      extends KeyedStateReaderFunction<String, Tuple3<String, String, byte[]>> {
    private final Set<String> only;
    private transient MapState<String, byte[]> entries;
    private transient ValueState<TrainerCursorState> cursor;

    Reader(Set<String> only) {
      this.only = only;
    }

    @Override
    public void open(OpenContext context) {
      entries = getRuntimeContext().getMapState(TrainerState.MODEL_ENTRIES);
      cursor = getRuntimeContext().getState(TrainerState.CURSOR);
    }

    @Override
    public void readKey(String key, Context ctx, Collector<Tuple3<String, String, byte[]>> out)
        throws Exception {
      if (!only.isEmpty() && !only.contains(key)) {
        out.collect(Tuple3.of(key, SKIPPED, new byte[0]));
        return;
      }
      for (Map.Entry<String, byte[]> e : entries.entries()) {
        out.collect(Tuple3.of(key, e.getKey(), e.getValue()));
      }
      TrainerCursorState state = cursor.value();
      long[] c =
          state == null
              ? new long[0]
              : new long[] {
                state.getRecords(),
                state.getTokens(),
                state.getSteps(),
                state.getSummaries(),
                state.getTokenHash()
              };
      ByteBuffer b = ByteBuffer.allocate(8 * c.length);
      for (long v : c) {
        b.putLong(v);
      }
      out.collect(Tuple3.of(key, CURSOR, b.array()));
    }
  }
}
