package io.moestream.operators;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.moestream.moe.lifecycle.ExpertChange;
import io.moestream.moe.tensor.DeviceChoice;
import io.moestream.moe.tensor.TorchThreads;
import io.moestream.moe.train.MoeTrainer;
import io.moestream.moe.train.StepResult;
import io.moestream.schemas.DeadLetter;
import io.moestream.schemas.DeadLetterReason;
import io.moestream.schemas.ExpertLifecycleEvent;
import io.moestream.schemas.TokenSequence;
import io.moestream.schemas.TrainingSummary;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.execution.SuppressRestartsException;
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
 * <p>Exactly-once training: {@link KeyedModelStore} reads a model from keyed state on its first
 * record and writes the models changed since the last checkpoint in {@link
 * #prepareSnapshotPreBarrier}, i.e. after the last record before the barrier and before the barrier
 * itself.
 */
public final class MoeTrainerOperator extends AbstractStreamOperator<ExpertLifecycleEvent>
    implements OneInputStreamOperator<TokenSequence, ExpertLifecycleEvent> {

  public static final OutputTag<TrainingSummary> SUMMARIES =
      new OutputTag<>("training-summaries", TypeInformation.of(TrainingSummary.class));

  /** Records of models beyond {@link TrainerSettings#maxModels} on this subtask. */
  public static final OutputTag<DeadLetter> DEAD_LETTERS =
      new OutputTag<>("trainer-dead-letters", TypeInformation.of(DeadLetter.class));

  /** Accumulator: {@code modelId=digest@step tokens=… active=…} per model (at the end). */
  public static final String DIGESTS = "model-digests";

  /** Accumulator: wall-clock ms of the first training step on any subtask. */
  public static final String FIRST_STEP_AT = "trainer-first-step-at-ms";

  /** Accumulator: wall-clock ms of the end of the last training step on any subtask. */
  public static final String LAST_STEP_AT = "trainer-last-step-at-ms";

  /** Accumulator: ms spent writing models into keyed state before barriers, all subtasks. */
  public static final String CAPTURE_MILLIS = "trainer-capture-ms";

  private final TrainerSettings settings;
  private final TrainerFaults faults;
  private transient KeyedModelStore models;
  private transient TrainerAccumulators report;
  private transient Counter modelCapRejections;
  private transient String configHash;
  private transient boolean reported;

  public MoeTrainerOperator(TrainerSettings settings) {
    this(settings, TrainerFaults.NONE);
  }

  /** With failure injection ({@link TrainerFaults}), for crash-equivalence tests. */
  public MoeTrainerOperator(TrainerSettings settings, TrainerFaults faults) {
    this.settings = settings;
    this.faults = faults;
  }

  @Override
  public void open() throws Exception {
    super.open();
    configHash = settings.configHash();
    // One trainer subtask per GPU, else the CPU, unless --device says otherwise (TrainerDevice).
    int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
    var choice = settings.device();
    Device device;
    try {
      device =
          TrainerDevice.forSubtask(
              choice, subtask, choice == DeviceChoice.CPU ? 0 : Engine.getInstance().getGpuCount());
    } catch (DeviceChoice.NoGpuException e) {
      // a restart finds the same TaskManager without a GPU: fail the job, do not loop
      throw new SuppressRestartsException(e);
    }
    TorchThreads.set(settings.intraOpThreads()); // for the TaskManager JVM, which trains only
    models =
        new KeyedModelStore(
            settings,
            device,
            faults,
            getMetricGroup(),
            this::getPartitionedState,
            getKeyedStateBackend(),
            this::setCurrentKey);
    getMetricGroup().gauge("modelsOnSubtask", () -> models.sessions().size());
    modelCapRejections = getMetricGroup().counter("modelCapRejections");
    report = new TrainerAccumulators(getMetricGroup());
    models.refuseModelsOfOtherSettings();
  }

  @Override
  public void processElement(StreamRecord<TokenSequence> element) throws Exception {
    TokenSequence seq = element.getValue();
    String id = seq.getModelId();
    if (!models.admit(id)) {
      modelCapRejections.inc();
      // Replayable once the cap is raised: the dead letter holds the record's own encoding.
      DeadLetter refused =
          TokenValidator.rejectDecoded(
              seq, DeadLetterReason.MODEL_CAP_EXCEEDED, models.refusal(id));
      output.collect(DEAD_LETTERS, new StreamRecord<>(refused, element.getTimestamp()));
      return;
    }
    ModelSession s = models.session(id);
    int[] tokens = seq.getTokens().stream().mapToInt(Integer::intValue).toArray();
    String label = seq.getModality() != null ? seq.getModality() : seq.getDomain();
    s.consume(tokens, settings.modalities().of(label));
    long time = seq.getEventTime().toEpochMilli(); // now: an event sent replaces element's value
    int window = settings.model().ctx() + 1;
    while (s.buffer.hasBatch(settings.batchSize(), window)) {
      report.stepStarted();
      StepResult r = s.trainBatch(settings.batchSize(), window, faults);
      report.stepEnded();
      for (ExpertChange c : r.changes()) {
        output.collect(element.replace(LifecycleEvents.of(id, c, time, configHash)));
      }
      TrainingSummary summary = s.summaryDue(settings.summaryEvery(), time);
      if (summary != null) {
        output.collect(SUMMARIES, new StreamRecord<>(summary, element.getTimestamp()));
      }
    }
    models.changed(id);
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    long t0 = System.nanoTime();
    long bytes = models.flush(checkpointId);
    report.stateWritten((System.nanoTime() - t0) / 1_000_000, bytes);
  }

  /**
   * At the end of a bounded input, every model on this subtask reports its digest line in the
   * {@link #DIGESTS} accumulator, so {@code train --bounded} can print the digest of every model
   * and tests can compare the job with a local run.
   */
  @Override
  public void finish() throws Exception {
    reportDigests();
    super.finish();
  }

  /**
   * Once per subtask: at the end of a bounded input ({@link #finish}) or when the task stops after
   * a stop-with-savepoint ({@link #close}, where {@code finish} is not called). Covers the models
   * in keyed state no record touched, so a job restored and given no input reports them too.
   */
  private void reportDigests() {
    if (models == null || reported) {
      return;
    }
    reported = true;
    models.loadEveryStoredModel();
    report.publish(getRuntimeContext(), models.sessions());
  }

  /** Bytes written into keyed state at the last checkpoint (for tests and the metric). */
  long lastStateWriteBytes() {
    return report.lastStateWriteBytes();
  }

  /** The in-memory model of {@code modelId} on this subtask, or null (for tests and digests). */
  public MoeTrainer model(String modelId) {
    ModelSession s = models == null ? null : models.loaded(modelId);
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
    if (models != null) {
      models.close();
    }
    super.close();
  }
}
