package io.moestream.operators;

import ai.djl.Device;
import io.moestream.moe.codec.EntryChunks;
import io.moestream.moe.config.RestoreCompatibility;
import io.moestream.moe.lifecycle.RoutingRecords;
import io.moestream.moe.serve.UpcycleSource;
import io.moestream.moe.train.ChangedSlots;
import io.moestream.moe.train.MoeTrainer;
import io.moestream.moe.train.TrainerSnapshots;
import io.moestream.moe.train.Upcycling;
import io.moestream.schemas.RoutingRecordsState;
import io.moestream.schemas.TrainerCursorState;
import io.moestream.state.ModelEntries;
import io.moestream.state.RoutingStates;
import io.moestream.state.TrainerCursor;
import io.moestream.state.TrainerState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.State;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of one trainer subtask against its keyed state ({@link TrainerState}, key = model id):
 * a model's session is read from keyed state on first use (or built fresh), kept in memory on the
 * task thread, and written back — model entries, optimizer state, pending tokens, cursor, routing
 * records — for the models changed since the last checkpoint, just before the barrier.
 *
 * <p>Writing every parameter on every step would be far too slow; writing just before the barrier
 * means a checkpoint holds exactly the model trained on exactly the records before its source
 * offsets, plus the tokens not yet trained on. Only changed expert slots are written ({@link
 * ChangedSlots}); free ones keep their entries from an earlier checkpoint.
 */
final class KeyedModelStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KeyedModelStore.class);

  /** The operator's keyed state by descriptor ({@code AbstractStreamOperator}'s is protected). */
  interface StateAccess {
    <S extends State> S state(StateDescriptor<S, ?> descriptor) throws Exception;
  }

  private final TrainerSettings settings;
  private final Device device;
  private final TrainerFaults faults;
  private final MetricGroup metrics;
  private final KeyedStateBackend<String> backend;
  private final Consumer<String> selectKey;
  private final MapState<String, byte[]> entries;
  private final ValueState<int[]> pending;
  private final ValueState<int[]> pendingModalities;
  private final ValueState<TrainerCursorState> cursor;
  private final ValueState<RoutingRecordsState> routing;
  private final Map<String, ModelSession> sessions = new HashMap<>();
  private final Set<String> changed = new LinkedHashSet<>();

  /** {@link TrainerSettings#initFrom}'s weights once read; null until a model needs them. */
  private Upcycling.Source initSource;

  /** Models this subtask trains: those in keyed state at start, and those admitted since. */
  private final Set<String> known = new HashSet<>();

  /**
   * @param states the operator's keyed state
   * @param backend the operator's keyed state backend (to list the stored models)
   * @param selectKey scopes keyed state to a model id (the operator's {@code setCurrentKey})
   */
  KeyedModelStore(
      TrainerSettings settings,
      Device device,
      TrainerFaults faults,
      MetricGroup metrics,
      StateAccess states,
      KeyedStateBackend<String> backend,
      Consumer<String> selectKey)
      throws Exception {
    this.settings = settings;
    this.device = device;
    this.faults = faults;
    this.metrics = metrics;
    this.backend = backend;
    this.selectKey = selectKey;
    entries = states.state(TrainerState.MODEL_ENTRIES);
    pending = states.state(TrainerState.PENDING_TOKENS);
    pendingModalities = states.state(TrainerState.PENDING_MODALITIES);
    cursor = states.state(TrainerState.CURSOR);
    routing = states.state(TrainerState.ROUTING_RECORDS);
    known.addAll(storedModels());
  }

  /** The model ids in this subtask's keyed state. */
  List<String> storedModels() {
    List<String> ids = new ArrayList<>();
    try (var keys = backend.getKeys(TrainerState.CURSOR.getName(), VoidNamespace.INSTANCE)) {
      keys.forEach(ids::add);
    }
    return ids;
  }

  /**
   * A restored model keeps the settings it was built with, so models of other settings (a {@code
   * flink run} with changed model flags, which the CLI refuses before starting) would be trained
   * under this job's config hash, or fail on their first step and again after every restart. The
   * job fails once instead, with an error Flink does not restart from, naming the settings that
   * differ; the state stays untouched for a run with the right flags.
   */
  void refuseModelsOfOtherSettings() throws Exception {
    for (String id : known) {
      selectKey.accept(id);
      if (!entries.contains("meta")) {
        continue;
      }
      TrainerSnapshots.StoredConfig stored =
          TrainerSnapshots.storedConfig(ModelEntries.of(entries));
      Optional<String> mismatch =
          RestoreCompatibility.mismatch(
              "model " + id + " in the restored state was",
              "this job has",
              stored.model(),
              stored.train(),
              settings.model(),
              settings.train());
      if (mismatch.isPresent()) {
        throw new SuppressRestartsException(new IllegalStateException(mismatch.get()));
      }
    }
  }

  /**
   * Whether this subtask trains {@code modelId}: a model it knows, or a new one while fewer than
   * {@link TrainerSettings#maxModels} are known (then it is known from now on).
   */
  boolean admit(String modelId) {
    if (known.contains(modelId)) {
      return true;
    }
    if (known.size() >= settings.maxModels()) {
      return false;
    }
    known.add(modelId);
    return true;
  }

  /** Why {@link #admit} refused {@code modelId}. */
  String refusal(String modelId) {
    return "model "
        + modelId
        + " refused: this trainer subtask already trains "
        + known.size()
        + " models (max "
        + settings.maxModels()
        + "; raise --max-models or the parallelism)";
  }

  /**
   * The session of {@code modelId}, read from keyed state on first use; keyed state must be scoped
   * to {@code modelId} (as it is while the operator processes one of its records).
   */
  ModelSession session(String modelId) throws Exception {
    ModelSession s = sessions.get(modelId);
    if (s == null) {
      s = load(modelId);
      sessions.put(modelId, s);
    }
    return s;
  }

  /** The session of {@code modelId} if it is in memory, else null. */
  ModelSession loaded(String modelId) {
    return sessions.get(modelId);
  }

  /** The sessions in memory. */
  Collection<ModelSession> sessions() {
    return sessions.values();
  }

  /** {@code modelId} changed since the last checkpoint: {@link #flush} writes it. */
  void changed(String modelId) {
    changed.add(modelId);
  }

  /**
   * Reads the models in keyed state that are not in memory yet, so a report covers every model — a
   * job restored from a savepoint and given no input reports exactly the models it holds.
   */
  void loadEveryStoredModel() {
    for (String id : storedModels()) {
      if (!sessions.containsKey(id)) {
        selectKey.accept(id);
        try {
          sessions.put(id, load(id));
        } catch (Exception e) {
          throw new IllegalStateException("cannot load model " + id + " from keyed state", e);
        }
      }
    }
  }

  /** Builds the model for the current key: from keyed state after a restore, else fresh. */
  private ModelSession load(String id) throws Exception {
    // Entries are read one stored chunk at a time, never all at once (see EntryChunks).
    boolean fresh = entries.isEmpty();
    // A model with state is restored, whatever --init-from says: re-upcycling it would throw its
    // training away. Only a model without state (new, or first seen after the last checkpoint)
    // starts from the init, so a restart rebuilds it exactly as the undisturbed run built it.
    MoeTrainer trainer =
        fresh ? fresh(id) : TrainerSnapshots.restore(ModelEntries.of(entries), device);
    trainer.precision(settings.precision()); // not stored: snapshots are float32 either way
    if (!fresh) {
      LOG.info("model {} restored from keyed state at step {}", id, trainer.step());
      faults.restored(id, trainer.step());
    }
    int layers = trainer.modelConfig().layers();
    int slots = trainer.activeSlots()[0].length;
    RoutingRecordsState records = routing.value();
    if (records != null) {
      RoutingRecords[] r =
          RoutingStates.fromState(records, layers, slots, trainer.modelConfig().dModel());
      trainer.restoreRoutingRecords(r);
    }
    return new ModelSession(
        id,
        trainer,
        new TokenBuffer(pending.value(), pendingModalities.value()),
        TrainerCursor.fromState(cursor.value()),
        new ModelMetrics(metrics, id, settings.model().layers()),
        fresh ? ChangedSlots.all(layers, slots) : ChangedSlots.none(layers, slots));
  }

  /** A model without state: from the seed, or upcycled from {@link TrainerSettings#initFrom}. */
  private MoeTrainer fresh(String id) throws Exception {
    InitFrom init = settings.initFrom();
    if (init == null) {
      return MoeTrainer.create(settings.model(), settings.train(), device);
    }
    MoeTrainer t;
    try {
      t = Upcycling.create(settings.model(), settings.train(), initSource(), device);
    } catch (IllegalArgumentException e) {
      // a source that does not fit stays so: a restart would fail the same way, again and again
      throw new SuppressRestartsException(
          new IllegalStateException("--init-from " + init.dir() + ": " + e.getMessage(), e));
    }
    LOG.info("model {} upcycled from {}", id, init.origin());
    return t;
  }

  /**
   * The init's weights, read once per subtask. A directory this TaskManager cannot read as the same
   * export the client checked fails the job without restarts: retrying would find it the same.
   */
  private Upcycling.Source initSource() throws java.io.IOException {
    if (initSource == null) {
      InitFrom init = settings.initFrom();
      try {
        initSource = UpcycleSource.read(java.nio.file.Path.of(init.dir()), init.weightsSha256());
      } catch (IllegalArgumentException
          | java.nio.file.NoSuchFileException
          | java.nio.file.AccessDeniedException e) {
        // missing, unreadable or changed: a restart reads the same directory and fails the same
        // way (other I/O errors may pass, so they take Flink's restart strategy)
        throw new SuppressRestartsException(
            new IllegalStateException("--init-from " + init.dir() + ": " + e.getMessage(), e));
      }
    }
    return initSource;
  }

  /**
   * Writes every model changed since the last checkpoint into keyed state, one entry at a time in
   * chunks below RocksDB's value limit: the heap never holds a whole model.
   *
   * @return the bytes of model entries written
   */
  long flush(long checkpointId) throws Exception {
    long bytes = 0;
    int written = 0;
    for (String id : changed) {
      ModelSession s = sessions.get(id);
      selectKey.accept(id);
      bytes +=
          TrainerSnapshots.capture(
              s.trainer, s.changed.take(), EntryChunks.CHUNK_BYTES, ModelEntries.of(entries));
      pending.update(s.buffer.snapshot());
      pendingModalities.update(s.buffer.modalitySnapshot());
      cursor.update(s.cursor.toState());
      routing.update(RoutingStates.toState(s.trainer.routingRecords()));
      faults.duringStateWrite(checkpointId, ++written);
    }
    changed.clear();
    return bytes;
  }

  /** Frees every model in memory (keyed state stays as the last checkpoint wrote it). */
  @Override
  public void close() {
    for (ModelSession s : sessions.values()) {
      s.close();
    }
    sessions.clear();
  }
}
