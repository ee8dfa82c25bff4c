package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.cli.TopicNames;
import io.moestream.jobs.kafka.EmbeddedKafkaBroker;
import io.moestream.operators.MoeTrainerOperator;
import io.moestream.operators.TrainerFaults;
import io.moestream.operators.TrainerSettings;
import io.moestream.schemas.TokenSequence;
import io.moestream.schemas.TrainingSummary;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash equivalence (issue 5): the same drifting two-model stream through the job twice, on a real
 * broker and a MiniCluster (parallelism 2, RocksDB, checkpoints every 500 ms), the records arriving
 * while the job runs — once undisturbed, once with a task failure inside the trainer and then a
 * failure in the middle of a checkpoint's state write, each followed by Flink's restart from the
 * last completed checkpoint. Both runs must end with bit-identical models that consumed every
 * produced token once, the same lifecycle events exactly once, and summaries with no step missing
 * or repeated. The restarts must have rebuilt trained models from checkpointed state (seen through
 * {@link TrainerFaults#restored}), so an equality reached by retraining from nothing cannot pass.
 *
 * <p>The other failure points: a TaskManager process killed with SIGKILL ({@code
 * StandaloneClusterITCase}), the whole process killed and restarted with {@code train --resume}
 * ({@link KilledProcessResumeITCase}).
 */
class CrashEquivalenceITCase {
  static {
    System.setProperty("org.apache.avro.SERIALIZABLE_PACKAGES", "io.moestream.schemas");
  }

  @TempDir Path tmp;

  @Test
  void failuresInTheTrainerAndInACheckpointLeaveTheModelsOfAnUndisturbedRun() throws Exception {
    try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start(tmp.resolve("kafka"))) {
      String servers = kafka.bootstrapServers();
      TopicNames undisturbed = new TopicNames("u.tokens", "u.dlq", "u.registry", "u.metrics");
      TopicNames faulty = new TopicNames("f.tokens", "f.dlq", "f.registry", "f.metrics");
      StreamFixtures.createTopics(servers, undisturbed);
      StreamFixtures.createTopics(servers, faulty);
      Map<String, List<TokenSequence>> byModel = StreamFixtures.twoModels();
      TrainerSettings st = StreamFixtures.settings();

      Map<String, String> reference =
          run(
              kafka,
              StreamFixtures.job(servers, st, false, undisturbed, "u"),
              undisturbed,
              byModel);
      InjectedFaults.reset();
      Map<String, String> recovered =
          run(
              kafka,
              StreamFixtures.job(servers, st, false, faulty, "f")
                  .withTrainerFaults(new InjectedFaults()),
              faulty,
              byModel);

      assertThat(InjectedFaults.trainerFailed).as("the trainer failure was injected").isTrue();
      assertThat(InjectedFaults.checkpointFailed)
          .as("the checkpoint failure was injected")
          .isTrue();
      assertThat(InjectedFaults.restored)
          .as("the restarts rebuilt models from checkpointed state (model -> step)")
          .isNotEmpty();
      assertThat(InjectedFaults.restored.values())
          .as("a restored model had trained (step > 0), not an empty start")
          .anyMatch(step -> step > 0);
      assertThat(reference).containsOnlyKeys("alpha", "beta");
      // modelId → "digest@step tokens=count/hash active=slots": same parameters, same steps, same
      // tokens in the same order, same experts.
      assertThat(recovered).isEqualTo(reference);
      for (String model : reference.keySet()) {
        assertThat(recovered.get(model))
            .as("%s trained on every produced token exactly once", model)
            .contains(" " + StreamFixtures.producedTokens(byModel.get(model)) + " ");
      }

      List<String> events = Topics.eventIds(servers, faulty.registry());
      assertThat(events).isNotEmpty().doesNotHaveDuplicates();
      assertThat(events)
          .as("the registry holds exactly the undisturbed run's events")
          .containsExactlyInAnyOrderElementsOf(Topics.eventIds(servers, undisturbed.registry()));

      Map<String, List<Long>> steps = summarySteps(servers, faulty.metrics());
      assertThat(steps).isEqualTo(summarySteps(servers, undisturbed.metrics()));
      steps.forEach(
          (model, s) -> {
            for (int i = 0; i < s.size(); i++) {
              assertThat(s.get(i))
                  .as("%s summary %d: no step missing or repeated", model, i)
                  .isEqualTo((i + 1L) * st.summaryEvery());
            }
          });
    }
  }

  /**
   * Runs {@code job} while the records arrive on its tokens topic a few at a time — so checkpoint
   * barriers fall between them rather than after a stream that fits in the network buffers — and
   * stops it with a savepoint once its checkpoints cover the whole topic. modelId → the trainer's
   * report.
   */
  private Map<String, String> run(
      EmbeddedKafkaBroker kafka,
      MoeStreamingJob job,
      TopicNames t,
      Map<String, List<TokenSequence>> byModel)
      throws Exception {
    FlinkSettings flink =
        new FlinkSettings(tmp.resolve("flink-" + t.tokens()), 2, Duration.ofMillis(500), 0, null);
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(flink.toConfiguration());
    job.build(env);
    JobClient client = env.executeAsync(MoeStreamingJob.NAME);
    produce(kafka.bootstrapServers(), byModel, t.tokens());
    String group = t.tokens().substring(0, 1);
    try (EndOfInput input = EndOfInput.capture(kafka.clientProps().admin(), t.tokens(), group)) {
      long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
      while (!input.consumed()) {
        assertThat(client.getJobExecutionResult()).as("the job ended early").isNotDone();
        assertThat(System.nanoTime()).as("input consumed within 5 min").isLessThan(deadline);
        Thread.sleep(200);
      }
    }
    client
        .stopWithSavepoint(
            false,
            tmp.resolve("savepoint-" + t.tokens()).toUri().toString(),
            SavepointFormatType.CANONICAL)
        .get();
    JobExecutionResult result = client.getJobExecutionResult().get();
    Map<String, String> out = new TreeMap<>();
    List<String> lines = result.getAccumulatorResult(MoeTrainerOperator.DIGESTS);
    for (String line : lines) {
      int eq = line.indexOf('=');
      out.put(line.substring(0, eq), line.substring(eq + 1) + " ");
    }
    return out;
  }

  /** The records of both models interleaved on {@code topic}, a pair every 20 ms. */
  private static void produce(
      String servers, Map<String, List<TokenSequence>> byModel, String topic) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer = StreamFixtures.producer(servers)) {
      List<TokenSequence> records = StreamFixtures.interleaved(byModel);
      for (int i = 0; i < records.size(); i++) {
        producer.send(StreamFixtures.record(topic, records.get(i)));
        if (i % 2 == 1) {
          producer.flush();
          Thread.sleep(20);
        }
      }
      producer.flush();
    }
  }

  /** Model id → the steps of its summaries, in the order they were published. */
  private static Map<String, List<Long>> summarySteps(String servers, String topic)
      throws Exception {
    Map<String, List<Long>> out = new TreeMap<>();
    for (TrainingSummary s :
        Topics.readCommitted(servers, topic, TrainingSummary.getDecoder()::decode)) {
      out.computeIfAbsent(s.getModelId().toString(), k -> new ArrayList<>()).add(s.getStep());
    }
    return out;
  }

  /**
   * Fails the trainer once at alpha's first step after a second checkpoint began writing state (at
   * most one checkpoint runs at a time, so the first has completed and the restart restores a real
   * checkpoint, not the empty start), then fails the first state write after that restart. Paces
   * steps so checkpoints fall mid-stream. Static memory: each restart deserializes a new instance.
   */
  static final class InjectedFaults implements TrainerFaults {
    static volatile long lastCheckpointWritten;
    static volatile boolean trainerFailed;
    static volatile boolean checkpointFailed;

    /** Model id → the highest training step it was restored at, over every restart. */
    static final Map<String, Long> restored = new java.util.concurrent.ConcurrentHashMap<>();

    private static final AtomicBoolean TRAINER_ONCE = new AtomicBoolean();
    private static final AtomicBoolean CHECKPOINT_ONCE = new AtomicBoolean();

    static void reset() {
      lastCheckpointWritten = 0;
      trainerFailed = false;
      checkpointFailed = false;
      restored.clear();
      TRAINER_ONCE.set(false);
      CHECKPOINT_ONCE.set(false);
    }

    @Override
    public void beforeStep(String modelId, long step) {
      if (modelId.equals("alpha")
          && step >= 10
          && lastCheckpointWritten >= 2
          && TRAINER_ONCE.compareAndSet(false, true)) {
        trainerFailed = true;
        throw new IllegalStateException("injected: trainer failure before alpha's step " + step);
      }
    }

    @Override
    public void restored(String modelId, long step) {
      restored.merge(modelId, step, Math::max);
    }

    @Override
    public void duringStateWrite(long checkpointId, int modelsWritten) {
      lastCheckpointWritten = Math.max(lastCheckpointWritten, checkpointId);
      if (trainerFailed && CHECKPOINT_ONCE.compareAndSet(false, true)) {
        checkpointFailed = true;
        throw new IllegalStateException(
            "injected: failure in checkpoint "
                + checkpointId
                + " after "
                + modelsWritten
                + " model(s)");
      }
    }
  }
}
