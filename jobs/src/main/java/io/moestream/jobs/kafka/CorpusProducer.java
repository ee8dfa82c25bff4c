package io.moestream.jobs.kafka;

import io.moestream.moe.data.TextCorpus;
import io.moestream.schemas.AvroCodec;
import io.moestream.schemas.TokenSequence;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * Turns a text corpus into {@link TokenSequence} records on the tokens topic: the reusable core of
 * {@code moe produce}, also called in-process by the streaming demo.
 *
 * <p>Each domain is cut into consecutive sequences of {@code sequenceTokens} byte tokens (the last
 * one shorter), domain after domain, so every model sees the same hard drift as the local demo.
 * Each sequence is sent once per model id with key = model id: Kafka keeps one key on one
 * partition, in order, and the trainer's order is that partition order. The producer must be
 * idempotent (see {@link KafkaClientProps#producer()}) so retries cannot duplicate or reorder
 * sequences.
 */
public final class CorpusProducer {
  /** What one domain contributed, over all model ids. */
  public record DomainCount(String domain, long records, long tokens) {}

  /** What was sent. */
  public record Summary(
      String topic, List<String> modelIds, long records, long tokens, List<DomainCount> domains) {
    /** One line for the console: totals, then per domain. */
    public String line() {
      StringBuilder b = new StringBuilder();
      b.append("produced ").append(records).append(" records (").append(tokens).append(" tokens)");
      b.append(" to ").append(topic).append(" for models ").append(String.join(",", modelIds));
      String sep = ": ";
      for (DomainCount d : domains) {
        b.append(sep).append(d.domain()).append('=').append(d.records()).append(" records/");
        b.append(d.tokens()).append(" tokens");
        sep = ", ";
      }
      return b.toString();
    }
  }

  private CorpusProducer() {}

  /** Tokens {@link #produce} will send: every domain capped, times the number of models. */
  public static long plannedTokens(TextCorpus corpus, long maxTokensPerDomain, int models) {
    long n = 0;
    for (TextCorpus.Domain d : corpus.domains()) {
      n += Math.min(d.length(), maxTokensPerDomain);
    }
    return n * models;
  }

  /**
   * Sends the corpus and waits until every record is acknowledged.
   *
   * @param producerProps settings of an idempotent byte-array producer
   * @param progress told the token count of every record sent; may be null
   * @throws IllegalArgumentException for bad arguments, and when the topic does not exist
   * @throws IllegalStateException if Kafka refuses a record or does not answer
   */
  public static Summary produce(
      Properties producerProps,
      String topic,
      List<String> modelIds,
      TextCorpus corpus,
      int sequenceTokens,
      long maxTokensPerDomain,
      IntConsumer progress) {
    List<String> models = checkModels(modelIds);
    if (sequenceTokens < 1) {
      throw new IllegalArgumentException("--sequence-tokens must be >= 1, got " + sequenceTokens);
    }
    if (maxTokensPerDomain < 1) {
      throw new IllegalArgumentException(
          "--max-tokens-per-domain must be >= 1, got " + maxTokensPerDomain);
    }
    Properties p = new Properties();
    p.putAll(producerProps);
    // A missing topic (auto-creation is off) should fail in seconds, not the default minute.
    p.putIfAbsent("max.block.ms", "20000");
    AtomicReference<Exception> failure = new AtomicReference<>();
    Map<String, Long> sequenceIds = new HashMap<>();
    List<DomainCount> counts = new ArrayList<>();
    long records = 0;
    long tokens = 0;
    KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p);
    try {
      for (TextCorpus.Domain d : corpus.domains()) {
        int usable = (int) Math.min(d.length(), maxTokensPerDomain);
        long domainRecords = 0;
        for (int from = 0; from < usable && failure.get() == null; from += sequenceTokens) {
          int to = Math.min(usable, from + sequenceTokens);
          List<Integer> seq = new ArrayList<>(to - from);
          for (int i = from; i < to; i++) {
            seq.add(d.token(i));
          }
          for (String model : models) {
            long id = sequenceIds.merge(model, 1L, Long::sum) - 1;
            TokenSequence value =
                TokenSequence.newBuilder()
                    .setModelId(model)
                    .setSequenceId(id)
                    .setTokens(seq)
                    .setDomain(d.name())
                    .setModality("text")
                    .setEventTime(Instant.now())
                    .build();
            byte[] key = model.getBytes(StandardCharsets.UTF_8);
            producer.send(
                new ProducerRecord<>(topic, key, AvroCodec.encode(value)),
                (meta, error) -> {
                  if (error != null) {
                    failure.compareAndSet(null, error);
                  }
                });
            domainRecords++;
            if (progress != null) {
              progress.accept(seq.size());
            }
          }
        }
        records += domainRecords;
        tokens += (long) usable * models.size();
        counts.add(new DomainCount(d.name(), domainRecords, (long) usable * models.size()));
      }
      producer.flush();
    } catch (KafkaException e) {
      failure.compareAndSet(null, e);
    } finally {
      // After a failure, records still queued are dropped instead of waiting out their timeout.
      producer.close(failure.get() == null ? Duration.ofSeconds(30) : Duration.ZERO);
    }
    Exception e = failure.get();
    if (e != null) {
      String message =
          "cannot produce to topic " + topic + " at " + p.getProperty("bootstrap.servers") + ": ";
      if (!(e instanceof TimeoutException)) {
        throw new IllegalStateException(message + e.getMessage(), e);
      }
      // A metadata timeout means either: ask the cluster, briefly. A broker that answers lists its
      // topics in milliseconds; one that does not has already had max.block.ms to answer.
      Boolean exists = TopicAdmin.exists(p, topic, classifyWait(p));
      if (Boolean.FALSE.equals(exists)) {
        throw new IllegalArgumentException(
            message + "the topic does not exist (and auto-creation is off)", e);
      }
      throw new IllegalStateException(
          message
              + e.getMessage()
              + (exists == null ? " (no answer from Kafka: is the broker reachable?)" : ""),
          e);
    }
    return new Summary(topic, models, records, tokens, List.copyOf(counts));
  }

  /**
   * How long to ask whether the topic exists after a metadata timeout: max.block.ms, at most 5 s.
   */
  private static Duration classifyWait(Properties p) {
    Duration most = Duration.ofSeconds(5);
    Duration maxBlock = maxBlock(p);
    return maxBlock.compareTo(most) < 0 ? maxBlock : most;
  }

  private static Duration maxBlock(Properties p) {
    try {
      return Duration.ofMillis(Long.parseLong(p.getProperty("max.block.ms").strip()));
    } catch (RuntimeException e) {
      return Duration.ofSeconds(20);
    }
  }

  private static List<String> checkModels(List<String> modelIds) {
    if (modelIds == null || modelIds.isEmpty()) {
      throw new IllegalArgumentException("at least one --model-id is needed");
    }
    LinkedHashSet<String> unique = new LinkedHashSet<>();
    for (String m : modelIds) {
      if (m == null || m.isBlank()) {
        throw new IllegalArgumentException("--model-id must not be blank");
      }
      if (!unique.add(m)) {
        throw new IllegalArgumentException("--model-id " + m + " is given twice");
      }
    }
    return List.copyOf(unique);
  }
}
