package io.moestream.jobs.stream;

import io.moestream.operators.MoeTrainerOperator;
import io.moestream.operators.RawRecord;
import io.moestream.operators.TokenValidator;
import io.moestream.operators.TrainerFaults;
import io.moestream.operators.TrainerSettings;
import io.moestream.operators.ValidateTokens;
import io.moestream.schemas.DeadLetter;
import io.moestream.schemas.ExpertLifecycleEvent;
import io.moestream.schemas.TokenSequence;
import io.moestream.schemas.TrainingSummary;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The streaming job, wired from the source and sinks it is given (so tests and the embedded demo
 * hand it real Kafka connectors, and nothing here knows where they point):
 *
 * <pre>
 * tokens ─► validate ─┬─► keyBy(modelId) ─► MoE trainer ─┬─► registry   (lifecycle events)
 *                     │                                 ├─► metrics    (training summaries)
 *                     └─► dead letters ◄────────────────┘    (records over the model cap)
 * </pre>
 *
 * Every operator has a stable {@code uid} so savepoints restore into new versions of the job.
 */
public final class MoeStreamingJob {
  /**
   * The job name of the embedded tools (demo, benches); {@code train} names its job from {@code
   * --job-name}.
   */
  public static final String NAME = "moe-stream";

  private final Source<RawRecord, ?, ?> tokens;
  private final Sink<ExpertLifecycleEvent> registry;
  private final Sink<TrainingSummary> metrics;
  private final Sink<DeadLetter> deadLetters;
  private final TrainerSettings settings;
  private final TokenValidator validator;
  private TrainerFaults faults = TrainerFaults.NONE;

  public MoeStreamingJob(
      Source<RawRecord, ?, ?> tokens,
      Sink<ExpertLifecycleEvent> registry,
      Sink<TrainingSummary> metrics,
      Sink<DeadLetter> deadLetters,
      TrainerSettings settings,
      TokenValidator validator) {
    this.tokens = tokens;
    this.registry = registry;
    this.metrics = metrics;
    this.deadLetters = deadLetters;
    this.settings = settings;
    this.validator = validator;
  }

  /** Injects failures into the trainer (crash-equivalence tests); the default injects none. */
  public MoeStreamingJob withTrainerFaults(TrainerFaults faults) {
    this.faults = java.util.Objects.requireNonNull(faults);
    return this;
  }

  /** Adds the pipeline to {@code env}. */
  public void build(StreamExecutionEnvironment env) {
    SingleOutputStreamOperator<TokenSequence> valid =
        env.fromSource(tokens, WatermarkStrategy.noWatermarks(), "tokens")
            .uid("tokens-source")
            .process(new ValidateTokens(validator))
            .uid("validate")
            .name("validate");
    SingleOutputStreamOperator<ExpertLifecycleEvent> events =
        valid
            .keyBy(TokenSequence::getModelId)
            .transform(
                "moe-trainer",
                TypeInformation.of(ExpertLifecycleEvent.class),
                new MoeTrainerOperator(settings, faults))
            .uid("moe-trainer");
    events.sinkTo(registry).uid("registry-sink").name("registry");
    events
        .getSideOutput(MoeTrainerOperator.SUMMARIES)
        .sinkTo(metrics)
        .uid("metrics-sink")
        .name("metrics");
    // Refused records: by the validator, and by the trainer when a subtask holds too many models.
    valid
        .getSideOutput(ValidateTokens.DEAD_LETTERS)
        .union(events.getSideOutput(MoeTrainerOperator.DEAD_LETTERS))
        .sinkTo(deadLetters)
        .uid("dead-letter-sink")
        .name("dead letters");
  }
}
