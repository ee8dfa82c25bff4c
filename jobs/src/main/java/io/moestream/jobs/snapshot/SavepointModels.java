package io.moestream.jobs.snapshot;

import io.moestream.moe.codec.EntryChunks;
import io.moestream.moe.codec.SnapshotCodec;
import io.moestream.moe.train.TrainerSnapshots;
import io.moestream.schemas.TrainerCursorState;
import io.moestream.state.ModelEntries;
import io.moestream.state.TrainerCursor;
import io.moestream.state.TrainerState;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
   * One model as stored in keyed state, its stored values (entry chunks) copied to files.
   *
   * @param modelId the key
   * @param chunks stored key ({@code meta}, {@code shared}, {@code shared#1}, {@code slot/l/s},
   *     ...) to the file holding its value
   * @param cursor the job's counters for this model, or {@link TrainerCursor#START}
   */
  public record StoredModel(String modelId, Map<String, Path> chunks, TrainerCursor cursor) {
    /** The stored values, read from their files one at a time, for {@code TrainerSnapshots}. */
    public EntryChunks.Source source() {
      return key -> {
        Path f = chunks.get(key);
        return f == null ? null : Files.readAllBytes(f);
      };
    }
  }

  /**
   * What a savepoint holds.
   *
   * @param modelIds every model id in the savepoint, sorted
   * @param models the models that were asked for, by id
   */
  public record Contents(Set<String> modelIds, Map<String, StoredModel> models) {}

  /**
   * @param only model ids to read; empty for all
   * @param tmp Flink's temporary directory for the local job, and where the model entries are
   *     copied to: the returned models read them from there, so {@code tmp} must outlive their use
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
    Path files = Files.createDirectories(tmp.resolve("entries"));
    TypeInformation<Tuple3<String, String, String>> type =
        TypeInformation.of(new TypeHint<Tuple3<String, String, String>>() {});
    Map<String, Map<String, Path>> chunks = new TreeMap<>();
    Map<String, TrainerCursor> cursors = new TreeMap<>();
    Set<String> ids = new TreeSet<>();
    try (CloseableIterator<Tuple3<String, String, String>> it =
        reader
            .readKeyedState(
                OperatorIdentifier.forUid(TRAINER_UID),
                new Reader(new HashSet<>(only), files.toAbsolutePath().toString()),
                Types.STRING,
                type)
            .executeAndCollect("moe snapshot export")) {
      while (it.hasNext()) {
        Tuple3<String, String, String> t = it.next();
        ids.add(t.f0);
        if (t.f1.equals(CURSOR)) {
          cursors.put(t.f0, cursorOf(t.f2));
        } else if (!t.f1.equals(SKIPPED)) {
          chunks.computeIfAbsent(t.f0, k -> new TreeMap<>()).put(t.f1, Path.of(t.f2));
        }
      }
    }
    Map<String, StoredModel> out = new TreeMap<>();
    chunks.forEach(
        (id, c) ->
            out.put(id, new StoredModel(id, c, cursors.getOrDefault(id, TrainerCursor.START))));
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

  /** The cursor as the reader emits it: five decimal counters, or "" when the model has none. */
  private static TrainerCursor cursorOf(String text) {
    if (text.isEmpty()) {
      return TrainerCursor.START;
    }
    String[] c = text.split(",");
    return new TrainerCursor(
        Long.parseLong(c[0]),
        Long.parseLong(c[1]),
        Long.parseLong(c[2]),
        Long.parseLong(c[3]),
        Long.parseLong(c[4]));
  }

  /**
   * Copies each model's stored values (entry chunks, at most {@code EntryChunks.CHUNK_BYTES} each)
   * into files under {@code dir} and emits (model id, stored key, file) for each, plus the model's
   * cursor: every emitted record is small whatever the model's size, where emitting the values
   * themselves ran into the result collector's 2 MB record limit. The values are fetched by key
   * ({@code meta} first, which names the others), one at a time, so the heap holds one chunk. Every
   * key emits at least one record: the State Processor API 2.2 fails with a NullPointerException on
   * a key for which the function emits nothing.
   */
  static final class Reader
      extends KeyedStateReaderFunction<String, Tuple3<String, String, String>> {
    private final Set<String> only;
    private final String dir;
    private transient MapState<String, byte[]> entries;
    private transient ValueState<TrainerCursorState> cursor;

    Reader(Set<String> only, String dir) {
      this.only = only;
      this.dir = dir;
    }

    @Override
    public void open(OpenContext context) {
      entries = getRuntimeContext().getMapState(TrainerState.MODEL_ENTRIES);
      cursor = getRuntimeContext().getState(TrainerState.CURSOR);
    }

    @Override
    public void readKey(String key, Context ctx, Collector<Tuple3<String, String, String>> out)
        throws Exception {
      if (!only.isEmpty() && !only.contains(key)) {
        out.collect(Tuple3.of(key, SKIPPED, ""));
        return;
      }
      EntryChunks.Store store = ModelEntries.of(entries);
      if (store.get("meta") != null) {
        List<String> keys;
        try {
          keys = TrainerSnapshots.entryKeys(store);
        } catch (SnapshotCodec.CorruptSnapshotException e) {
          keys = List.of("meta"); // restoring it in the client reports the damage with the model
        }
        for (String entry : keys) {
          for (int i = 0; ; i++) {
            String stored = EntryChunks.chunkKey(entry, i);
            byte[] value = store.get(stored);
            if (value == null) {
              break;
            }
            Path file = Files.createTempFile(Path.of(dir), "entry-", ".bin");
            Files.write(file, value);
            out.collect(Tuple3.of(key, stored, file.toString()));
          }
        }
      }
      TrainerCursorState state = cursor.value();
      String c =
          state == null
              ? ""
              : state.getRecords()
                  + ","
                  + state.getTokens()
                  + ","
                  + state.getSteps()
                  + ","
                  + state.getSummaries()
                  + ","
                  + state.getTokenHash();
      out.collect(Tuple3.of(key, CURSOR, c));
    }
  }
}
