package io.moestream.jobs.stream;

import io.moestream.jobs.kafka.TopicNames;
import io.moestream.operators.LifecycleEvents;
import io.moestream.operators.RawRecord;
import io.moestream.operators.TokenValidator;
import io.moestream.operators.TrainerSettings;
import io.moestream.schemas.DeadLetter;
import io.moestream.schemas.ExpertLifecycleEvent;
import io.moestream.schemas.TrainingSummary;
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
 * read_committed}; the transaction timeout stays below the broker's {@code
 * transaction.max.timeout.ms} (15 minutes by default).
 *
 * @param bootstrapServers Kafka bootstrap servers
 * @param clientProperties extra client properties (security settings) for every client
 * @param transactionalIdPrefix unique per job: two jobs must never share it
 */
public record KafkaConnectors(
    String bootstrapServers, Properties clientProperties, String transactionalIdPrefix) {

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
    p.putIfAbsent("transaction.timeout.ms", "600000");
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
