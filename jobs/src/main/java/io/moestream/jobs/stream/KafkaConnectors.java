package io.moestream.jobs.stream;

import io.moestream.jobs.cli.TopicNames;
import io.moestream.operators.LifecycleEvents;
import io.moestream.operators.RawRecord;
import io.moestream.operators.TokenValidator;
import io.moestream.operators.TrainerSettings;
import io.moestream.schemas.DeadLetter;
import io.moestream.schemas.ExpertLifecycleEvent;
import io.moestream.schemas.TrainingSummary;
import java.time.Duration;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.util.function.SerializableFunction;

/**
 * Builds the job's Kafka source and exactly-once sinks. Exactly-once sinks write in transactions
 * committed with each checkpoint, so consumers must read with {@code isolation.level =
 * read_committed}, and the source reads that way itself; the transaction timeout stays below the
 * broker's {@code transaction.max.timeout.ms} (15 minutes by default) and above twice the
 * checkpoint interval ({@link #checkCheckpointInterval}).
 *
 * @param bootstrapServers Kafka bootstrap servers
 * @param clientProperties extra client properties (security settings) for every client
 * @param transactionalIdPrefix unique per job (its job name): two jobs that share it fence each
 *     other's transactions and lose events; a restarted job must keep it, so that it aborts the
 *     transactions its previous run left open
 */
public record KafkaConnectors(
    String bootstrapServers, Properties clientProperties, String transactionalIdPrefix) {
  static final String TRANSACTION_TIMEOUT = "transaction.timeout.ms";

  /** The sinks' transaction timeout unless the client properties set one. */
  static final Duration DEFAULT_TRANSACTION_TIMEOUT = Duration.ofMinutes(10);

  /** The sinks' transaction timeout: {@code transaction.timeout.ms}, else the default. */
  public Duration transactionTimeout() {
    String ms = clientProperties.getProperty(TRANSACTION_TIMEOUT);
    if (ms == null) {
      return DEFAULT_TRANSACTION_TIMEOUT;
    }
    try {
      long value = Long.parseLong(ms.strip());
      if (value > 0) {
        return Duration.ofMillis(value);
      }
    } catch (NumberFormatException e) {
      // reported below, without the value
    }
    throw new IllegalArgumentException(TRANSACTION_TIMEOUT + " must be a positive number of ms");
  }

  /**
   * Refuses a checkpoint interval of half the transaction timeout or more. A sink's transaction
   * stays open from one checkpoint until the next one completes; if the broker times it out first,
   * its events are gone and Flink's committer only logs that this "most likely signals data loss".
   * Half leaves room for a slow checkpoint and a restart.
   */
  public void checkCheckpointInterval(Duration interval) {
    Duration timeout = transactionTimeout();
    if (interval.multipliedBy(2).compareTo(timeout) >= 0) {
      throw new IllegalArgumentException(
          "--checkpoint-interval must be below half the Kafka transaction timeout ("
              + TRANSACTION_TIMEOUT
              + " = "
              + timeout.toMillis()
              + " ms), or events of a transaction the broker aborted are lost; shorten the"
              + " interval or raise "
              + TRANSACTION_TIMEOUT
              + " (up to the broker's transaction.max.timeout.ms)");
    }
  }

  /**
   * Source of raw token records; {@code bounded} stops at the offsets present at start, also after
   * a restore from a savepoint of an unbounded run ({@link BoundedRestoredSource}).
   */
  public Source<RawRecord, ?, ?> tokens(String topic, String groupId, boolean bounded) {
    var b =
        KafkaSource.<RawRecord>builder()
            .setBootstrapServers(bootstrapServers)
            .setProperties(clientProperties)
            .setTopics(topic)
            .setGroupId(groupId)
            // Token producers may be transactional too: never train on an aborted attempt.
            .setProperty("isolation.level", "read_committed")
            .setStartingOffsets(OffsetsInitializer.earliest())
            .setDeserializer(new RawRecordDeserializer());
    if (bounded) {
      b.setBounded(OffsetsInitializer.latest());
      return new BoundedRestoredSource(b.build());
    }
    return b.build();
  }

  public KafkaSink<ExpertLifecycleEvent> registry(String topic) {
    return sink(topic, "registry", LifecycleEvents::key);
  }

  public KafkaSink<TrainingSummary> metrics(String topic) {
    return sink(topic, "metrics", s -> s.getModelId());
  }

  public KafkaSink<DeadLetter> deadLetters(String topic) {
    return sink(
        topic,
        "dlq",
        d -> d.getSourceTopic() + "/" + d.getSourcePartition() + "/" + d.getSourceOffset());
  }

  private <T extends SpecificRecordBase> KafkaSink<T> sink(
      String topic, String name, SerializableFunction<T, String> key) {
    Properties p = new Properties();
    p.putAll(clientProperties);
    p.putIfAbsent(TRANSACTION_TIMEOUT, Long.toString(DEFAULT_TRANSACTION_TIMEOUT.toMillis()));
    return KafkaSink.<T>builder()
        .setBootstrapServers(bootstrapServers)
        .setKafkaProducerConfig(p)
        .setRecordSerializer(new AvroRecordSerializer<>(topic, key))
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix(transactionalIdPrefix + "-" + name)
        .build();
  }

  /**
   * The streaming job on {@code topics}: tokens read as consumer group {@code groupId}, records up
   * to {@code maxTokens} tokens accepted.
   */
  public MoeStreamingJob job(
      TopicNames topics, String groupId, boolean bounded, TrainerSettings st, int maxTokens) {
    return new MoeStreamingJob(
        tokens(topics.tokens(), groupId, bounded),
        registry(topics.registry()),
        metrics(topics.metrics()),
        deadLetters(topics.dlq()),
        st,
        new TokenValidator(st.model().vocabSize(), maxTokens, 128));
  }
}
