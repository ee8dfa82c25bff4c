package io.moestream.operators;

import io.moestream.moe.codec.EntryChunks;
import io.moestream.moe.config.RestoreCompatibility;
import io.moestream.moe.lifecycle.ExpertChange;
import io.moestream.moe.lifecycle.RoutingRecords;
import io.moestream.moe.train.ChangedSlots;
import io.moestream.moe.train.MoeTrainer;
import io.moestream.moe.train.StepResult;
import io.moestream.moe.train.TrainerSnapshots;
import io.moestream.schemas.ExpertLifecycleEvent;
import io.moestream.schemas.RoutingRecordsState;
import io.moestream.schemas.TokenSequence;
import io.moestream.schemas.TrainerCursorState;
import io.moestream.schemas.TrainingSummary;
import io.moestream.state.ModelEntries;
import io.moestream.state.RoutingStates;
import io.moestream.state.TrainerCursor;
import io.moestream.state.TrainerState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.accumulators.LongMaximum;
import org.apache.flink.api.common.accumulators.LongMinimum;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * The keyed MoE trainer (key = model id): a thin adapter around {@link MoeTrainer}.
 *
 * <p>Each model lives in memory on the task thread (libtorch grad mode is per thread; no NDArray
 * ever reaches Flink). Records append tokens; every full batch is one prequential training step;
 * lifecycle changes go to the main output as registry events, summaries to {@link #SUMMARIES}.
 *
 * <p>Exactly-once training: writing every parameter to RocksDB on every step would be far too slow,
 * so models changed since the last checkpoint are written into keyed state — one map entry per
 * expert slot — in {@link #prepareSnapshotPreBarrier}, i.e. after the last record before the
 * barrier and before the barrier itself. A checkpoint therefore holds exactly the model trained on
 * exactly the records before its source offsets, plus the tokens not yet trained on.
 */
public final class MoeTrainerOperator extends AbstractStreamOperator<ExpertLifecycleEvent>
    implements OneInputStreamOperator<TokenSequence, ExpertLifecycleEvent> {

  public static final OutputTag<TrainingSummary> SUMMARIES =
      new OutputTag<>("training-summaries", TypeInformation.of(TrainingSummary.class));

  /** Records of models beyond {@link TrainerSettings#maxModels} on this subtask. */
  public static final OutputTag<io.moestream.schemas.DeadLetter> DEAD_LETTERS =
      new OutputTag<>(
          "trainer-dead-letters", TypeInformation.of(io.moestream.schemas.DeadLetter.class));

  private final TrainerSettings settings;

  /** Models this subtask trains: those in keyed state at start, and those admitted since. */
  private transient Set<String> knownModels;

  private transient org.apache.flink.metrics.Counter modelCapRejections;
  private transient Map<String, ModelSession> sessions;
  private transient Set<String> dirty;
  private transient MapState<String, byte[]> entries;
  private transient ValueState<int[]> pending;
  private transient ValueState<int[]> pendingModalities;
  private transient ValueState<TrainerCursorState> cursor;
  private transient ValueState<RoutingRecordsState> routing;
  private transient String configHash;
  private transient boolean digestsReported;
  private transient long firstStepAt;
  private transient long lastStepAt;
  private transient long captureMillis;
  private transient long lastCaptureMillis;
  private transient long lastCaptureBytes;

  private final TrainerFaults faults;

  public MoeTrainerOperator(TrainerSettings settings) {
    this(settings, TrainerFaults.NONE);
  }

  /** With failure injection ({@link TrainerFaults}), for crash-equivalence tests. */
  public MoeTrainerOperator(TrainerSettings settings, TrainerFaults faults) {
    this.settings = settings;
    this.faults = faults;
  }

  /** One trainer subtask per GPU, else the CPU ({@link TrainerDevice}). */
  private transient ai.djl.Device device;

  @Override
  public void open() throws Exception {
    super.open();
    sessions = new HashMap<>();
    dirty = new LinkedHashSet<>();
    entries = getPartitionedState(TrainerState.MODEL_ENTRIES);
    pending = getPartitionedState(TrainerState.PENDING_TOKENS);
    pendingModalities = getPartitionedState(TrainerState.PENDING_MODALITIES);
    cursor = getPartitionedState(TrainerState.CURSOR);
    routing = getPartitionedState(TrainerState.ROUTING_RECORDS);
    configHash = settings.configHash();
    device =
        TrainerDevice.forSubtask(
            getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
            ai.djl.engine.Engine.getInstance().getGpuCount());
    if (settings.intraOpThreads() > 0) {
      ai.djl.engine.Engine.getInstance(); // loads libtorch before the JNI call
      ai.djl.pytorch.jni.JniUtils.setNumThreads(settings.intraOpThreads());
    }
    firstStepAt = Long.MAX_VALUE;
    getMetricGroup().gauge("modelsOnSubtask", () -> sessions.size());
    modelCapRejections = getMetricGroup().counter("modelCapRejections");
    knownModels = new java.util.HashSet<>();
    try (var keys =
        this.<String>getKeyedStateBackend()
            .getKeys(TrainerState.CURSOR.getName(), VoidNamespace.INSTANCE)) {
      keys.forEach(knownModels::add);
    }
    refuseModelsOfOtherSettings();
    getMetricGroup().gauge("lastStateWriteMillis", () -> lastCaptureMillis);
    getMetricGroup().gauge("lastStateWriteBytes", () -> lastCaptureBytes);
  }

  /**
   * A restored model keeps the settings it was built with, so models of other settings (a {@code
   * flink run} with changed model flags, which the CLI refuses before starting) would be trained
   * under this job's config hash, or fail on their first step and again after every restart. The
   * job fails once instead, with an error Flink does not restart from, naming the settings that
   * differ; the state stays untouched for a run with the right flags.
   */
  private void refuseModelsOfOtherSettings() throws Exception {
    for (String id : knownModels) {
      setCurrentKey(id);
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

  @Override
  public void processElement(StreamRecord<TokenSequence> element) throws Exception {
    TokenSequence seq = element.getValue();
    String id = seq.getModelId();
    ModelSession s = sessions.get(id);
    if (s == null && !knownModels.contains(id)) {
      if (knownModels.size() >= settings.maxModels()) {
        modelCapRejections.inc();
        output.collect(DEAD_LETTERS, new StreamRecord<>(capExceeded(seq), element.getTimestamp()));
        return;
      }
      knownModels.add(id);
    }
    if (s == null) {
      s = load(id);
      sessions.put(id, s);
    }
    int[] tokens = seq.getTokens().stream().mapToInt(Integer::intValue).toArray();
    String label = seq.getModality() != null ? seq.getModality() : seq.getDomain();
    s.buffer.append(tokens, settings.modalities().of(label));
    s.cursor = s.cursor.consumed(tokens);
    long time = seq.getEventTime().toEpochMilli();
    int window = settings.model().ctx() + 1;
    while (s.buffer.hasBatch(settings.batchSize(), window)) {
      long t0 = System.currentTimeMillis();
      firstStepAt = Math.min(firstStepAt, t0);
      s.changed.markActive(s.trainer.activeSlots()); // the slots this step updates
      faults.beforeStep(id, s.trainer.step() + 1);
      TokenBuffer.Batch batch = s.buffer.takeBatch(settings.batchSize(), window);
      StepResult r = s.trainer.train(batch.tokens(), batch.rowModality());
      s.changed.markActive(s.trainer.activeSlots()); // and those it spawned
      lastStepAt = System.currentTimeMillis();
      s.cursor = s.cursor.trained();
      s.metrics.record(r);
      for (ExpertChange c : r.changes()) {
        output.collect(element.replace(LifecycleEvents.of(id, c, time, configHash)));
      }
      s.summary.add(r);
      // On step multiples, so a restore keeps the summary steps of an undisturbed run.
      if (s.trainer.step() % settings.summaryEvery() == 0) {
        s.cursor = s.cursor.summarised();
        TrainingSummary summary = s.summary.emit(id, s.trainer.step(), time);
        output.collect(SUMMARIES, new StreamRecord<>(summary, element.getTimestamp()));
      }
    }
    dirty.add(id);
  }

  /**
   * The dead letter for a record of one model too many. After the keyBy the Kafka coordinates are
   * gone (-1, as the schema allows); the raw value is the record's own encoding, so it can be
   * replayed once the cap is raised.
   */
  private io.moestream.schemas.DeadLetter capExceeded(TokenSequence seq) throws Exception {
    java.nio.ByteBuffer value = seq.toByteBuffer();
    byte[] bytes = new byte[value.remaining()];
    value.get(bytes);
    RawRecord raw =
        new RawRecord(
            seq.getModelId().getBytes(java.nio.charset.StandardCharsets.UTF_8),
            bytes,
            "",
            -1,
            -1,
            seq.getEventTime().toEpochMilli());
    String reason =
        "model "
            + seq.getModelId()
            + " refused: this trainer subtask already trains "
            + knownModels.size()
            + " models (max "
            + settings.maxModels()
            + "; raise --max-models or the parallelism)";
    return TokenValidator.reject(
            raw, io.moestream.schemas.DeadLetterReason.MODEL_CAP_EXCEEDED, reason)
        .rejected();
  }

  /** Builds the model for the current key: from keyed state after a restore, else fresh. */
  private ModelSession load(String id) throws Exception {
    // Entries are read one stored chunk at a time, never all at once (see EntryChunks).
    boolean fresh = entries.isEmpty();
    MoeTrainer trainer =
        fresh
            ? MoeTrainer.create(settings.model(), settings.train(), device)
            : TrainerSnapshots.restore(ModelEntries.of(entries), device);
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
        new ModelMetrics(getMetricGroup(), id, settings.model().layers()),
        fresh ? ChangedSlots.all(layers, slots) : ChangedSlots.none(layers, slots));
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    long t0 = System.nanoTime();
    long bytes = 0;
    int written = 0;
    for (String id : dirty) {
      ModelSession s = sessions.get(id);
      setCurrentKey(id);
      // Unchanged slots (free ones) keep their entries from an earlier checkpoint.
      // One entry at a time, in chunks below RocksDB's value limit: the heap never holds a model.
      bytes +=
          TrainerSnapshots.capture(
              s.trainer, s.changed.take(), EntryChunks.CHUNK_BYTES, ModelEntries.of(entries));
      pending.update(s.buffer.snapshot());
      pendingModalities.update(s.buffer.modalitySnapshot());
      cursor.update(s.cursor.toState());
      routing.update(RoutingStates.toState(s.trainer.routingRecords()));
      faults.duringStateWrite(checkpointId, ++written);
    }
    dirty.clear();
    lastCaptureMillis = (System.nanoTime() - t0) / 1_000_000;
    lastCaptureBytes = bytes;
    captureMillis += lastCaptureMillis;
  }

  /**
   * At the end of a bounded input, every model on this subtask reports {@code modelId=digest@step}
   * in the {@link #DIGESTS} accumulator, so {@code train --bounded} can print the digest of every
   * model and tests can compare the job with a local run.
   */
  @Override
  public void finish() throws Exception {
    reportDigests();
    super.finish();
  }

  /**
   * Once per subtask: at the end of a bounded input ({@link #finish}) or when the task stops after
   * a stop-with-savepoint ({@link #close}, where {@code finish} is not called).
   */
  private void reportDigests() {
    if (sessions == null || digestsReported) {
      return;
    }
    digestsReported = true;
    loadEveryStoredModel();
    org.apache.flink.api.common.accumulators.ListAccumulator<String> digests =
        new org.apache.flink.api.common.accumulators.ListAccumulator<>();
    for (ModelSession s : sessions.values()) {
      digests.add(
          s.modelId
              + "="
              + s.trainer.digest()
              + "@"
              + s.trainer.step()
              + " tokens="
              + s.cursor.tokens()
              + "/"
              + Long.toHexString(s.cursor.tokenHash())
              + " active="
              + activeSlots(s.trainer.activeSlots()));
    }
    getRuntimeContext().addAccumulator(DIGESTS, digests);
    if (firstStepAt != Long.MAX_VALUE) {
      getRuntimeContext().addAccumulator(FIRST_STEP_AT, new LongMinimum(firstStepAt));
      getRuntimeContext().addAccumulator(LAST_STEP_AT, new LongMaximum(lastStepAt));
    }
    getRuntimeContext().addAccumulator(CAPTURE_MILLIS, new LongCounter(captureMillis));
  }

  /** Accumulator: wall-clock ms of the first training step on any subtask. */
  public static final String FIRST_STEP_AT = "trainer-first-step-at-ms";

  /** Accumulator: wall-clock ms of the end of the last training step on any subtask. */
  public static final String LAST_STEP_AT = "trainer-last-step-at-ms";

  /** Accumulator: ms spent writing models into keyed state before barriers, all subtasks. */
  public static final String CAPTURE_MILLIS = "trainer-capture-ms";

  /** Active slots per layer, e.g. {@code 0,1,4|0,2}. */
  static String activeSlots(boolean[][] active) {
    StringBuilder b = new StringBuilder();
    for (int l = 0; l < active.length; l++) {
      b.append(l == 0 ? "" : "|");
      String sep = "";
      for (int e = 0; e < active[l].length; e++) {
        if (active[l][e]) {
          b.append(sep).append(e);
          sep = ",";
        }
      }
    }
    return b.toString();
  }

  /**
   * Loads the models in this subtask's keyed state that no record has touched since the start, so
   * the digests cover every model — a job restored from a savepoint and given no input reports
   * exactly the models the savepoint holds.
   */
  private void loadEveryStoredModel() {
    List<String> stored = new ArrayList<>();
    try (var keys =
        this.<String>getKeyedStateBackend()
            .getKeys(TrainerState.CURSOR.getName(), VoidNamespace.INSTANCE)) {
      keys.forEach(stored::add);
    }
    for (String id : stored) {
      if (!sessions.containsKey(id)) {
        setCurrentKey(id);
        try {
          sessions.put(id, load(id));
        } catch (Exception e) {
          throw new IllegalStateException("cannot load model " + id + " from keyed state", e);
        }
      }
    }
  }

  /** Name of the accumulator holding {@code modelId=digest@step} per model. */
  public static final String DIGESTS = "model-digests";

  /** Bytes written into keyed state at the last checkpoint (for tests and the metric). */
  long lastStateWriteBytes() {
    return lastCaptureBytes;
  }

  /** The in-memory model of {@code modelId} on this subtask, or null (for tests and digests). */
  public MoeTrainer model(String modelId) {
    ModelSession s = sessions == null ? null : sessions.get(modelId);
    return s == null ? null : s.trainer;
  }

  @Override
  public void close() throws Exception {
    try {
      reportDigests();
    } catch (RuntimeException e) {
      // close() also runs after a failure; the digests must not mask its cause.
      LOG.warn("could not report model digests while closing", e);
    }
    if (sessions != null) {
      for (ModelSession s : sessions.values()) {
        s.close();
      }
      sessions.clear();
    }
    super.close();
  }
}
