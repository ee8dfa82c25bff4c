package io.moestream.jobs.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.moestream.jobs.kafka.EmbeddedKafkaBroker;
import io.moestream.operators.MoeTrainerOperator;
import io.moestream.operators.TrainerSettings;
import io.moestream.schemas.DeadLetter;
import io.moestream.schemas.ExpertEventKind;
import io.moestream.schemas.ExpertLifecycleEvent;
import io.moestream.schemas.TokenSequence;
import io.moestream.schemas.TrainingSummary;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on real components: a Kafka broker (KRaft, its own JVM), a Flink MiniCluster
 * at parallelism 2 with RocksDB and checkpoints, two models on a drifting stream with hostile
 * records mixed in. Verified from outside with read_committed consumers, and through each model's
 * token count and order-sensitive hash (it consumed exactly the valid records, once, in order).
 */
class MoeStreamingJobITCase {
  private static final int MAX_TOKENS = 1024;
  private static final int MAX_MODEL_ID = 128; // what every job accepts (KafkaConnectors.job)

  static {
    System.setProperty("org.apache.avro.SERIALIZABLE_PACKAGES", "io.moestream.schemas");
  }

  @TempDir Path tmp;

  @Test
  void twoModelsTrainExactlyOnceAndTheRegistryReplaysTheirExpertSets() throws Exception {
    try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start(tmp.resolve("kafka"))) {
      String servers = kafka.bootstrapServers();
      StreamFixtures.createTopics(servers);
      TrainerSettings st = StreamFixtures.settings();
      Map<String, List<TokenSequence>> byModel = StreamFixtures.twoModels();
      Map<Long, String> badOffsets = produce(servers, byModel);

      MoeStreamingJob job = StreamFixtures.job(servers, st, true);
      FlinkSettings flink =
          new FlinkSettings(tmp.resolve("flink"), 2, Duration.ofSeconds(2), 0, null);
      StreamExecutionEnvironment env =
          StreamExecutionEnvironment.getExecutionEnvironment(flink.toConfiguration());
      job.build(env);
      JobExecutionResult result = env.execute(MoeStreamingJob.NAME);

      // modelId=digest@step tokens=count/hash active=slots|slots, one line per model
      Map<String, String[]> reported = new HashMap<>();
      List<String> lines = result.getAccumulatorResult(MoeTrainerOperator.DIGESTS);
      for (String line : lines) {
        String[] f = line.split(" ");
        reported.put(f[0].substring(0, f[0].indexOf('=')), f);
      }
      assertThat(reported).containsOnlyKeys("alpha", "beta");

      List<ExpertLifecycleEvent> events =
          Topics.readCommitted(servers, "moe.registry", ExpertLifecycleEvent.getDecoder()::decode);
      assertThat(events).extracting(ExpertLifecycleEvent::getEventId).doesNotHaveDuplicates();
      for (List<ExpertLifecycleEvent> partition :
          Topics.readCommittedByPartition(
              servers, "moe.registry", ExpertLifecycleEvent.getDecoder()::decode)) {
        Map<String, Long> lastStep = new HashMap<>();
        for (ExpertLifecycleEvent e : partition) {
          long previous = lastStep.getOrDefault(e.getModelId(), -1L);
          assertThat(e.getStep())
              .as("step order of %s within a partition", e.getModelId())
              .isGreaterThanOrEqualTo(previous);
          lastStep.put(e.getModelId(), e.getStep());
        }
      }

      for (String model : List.of("alpha", "beta")) {
        String[] f = reported.get(model);
        long count = byModel.get(model).stream().mapToLong(r -> r.getTokens().size()).sum();
        assertThat(f[1])
            .as("%s consumed exactly the valid records, in order, once", model)
            .isEqualTo(StreamFixtures.producedTokens(byModel.get(model)));
        assertThat(f[0]).endsWith("@" + count / st.tokensPerStep());
        List<ExpertLifecycleEvent> mine =
            events.stream().filter(e -> e.getModelId().equals(model)).toList();
        assertThat(mine)
            .extracting(
                e -> e.getStep() + "/" + e.getLayer() + "/" + e.getSlot() + "/" + e.getKind())
            .as("%s: one event per change", model)
            .doesNotHaveDuplicates();
        assertThat("active=" + format(replayActive(mine, st)))
            .as("%s: the registry replay reproduces the final expert sets", model)
            .isEqualTo(f[2]);
      }
      assertThat(events)
          .as("the drift must make the experts change")
          .anyMatch(e -> e.getKind() == ExpertEventKind.SPAWNED);

      List<TrainingSummary> summaries =
          Topics.readCommitted(servers, "moe.metrics", TrainingSummary.getDecoder()::decode);
      assertThat(summaries).extracting(TrainingSummary::getModelId).contains("alpha", "beta");

      List<DeadLetter> dead =
          Topics.readCommitted(servers, "tokens.dlq", DeadLetter.getDecoder()::decode);
      // Every hostile record, and nothing else, is a dead letter with its reason and offset.
      Map<Long, String> deadByOffset = new HashMap<>();
      for (DeadLetter d : dead) {
        assertThat(d.getSourceTopic()).isEqualTo("tokens");
        assertThat(d.getReason()).isNotBlank();
        deadByOffset.put((long) d.getSourceOffset(), d.getReasonCode().name());
      }
      assertThat(dead).hasSize(badOffsets.size());
      assertThat(deadByOffset).isEqualTo(badOffsets);
    }
  }

  /**
   * Produces both models' records interleaved, with one hostile record of every kind the validator
   * knows among them; returns offset → expected reason.
   */
  private static Map<Long, String> produce(String servers, Map<String, List<TokenSequence>> byModel)
      throws Exception {
    Map<Long, String> bad = new HashMap<>();
    List<TokenSequence> a = byModel.get("alpha");
    List<TokenSequence> b = byModel.get("beta");
    Map<Integer, Map.Entry<String, TokenSequence>> hostile = new HashMap<>();
    hostile.put(9, Map.entry("TOKEN_OUT_OF_RANGE", withTokens(a.get(0), List.of(1, 999))));
    hostile.put(11, Map.entry("TOKEN_OUT_OF_RANGE", withTokens(a.get(0), List.of(-1, 2))));
    hostile.put(13, Map.entry("EMPTY_SEQUENCE", withTokens(b.get(0), List.of())));
    hostile.put(
        15,
        Map.entry(
            "TOO_LONG", withTokens(b.get(0), java.util.Collections.nCopies(MAX_TOKENS + 1, 7))));
    hostile.put(
        17,
        Map.entry("MISSING_MODEL_ID", TokenSequence.newBuilder(a.get(0)).setModelId("").build()));
    hostile.put(
        19,
        Map.entry(
            "OVERSIZE_MODEL_ID",
            TokenSequence.newBuilder(a.get(0)).setModelId("m".repeat(MAX_MODEL_ID + 1)).build()));
    try (KafkaProducer<byte[], byte[]> producer = StreamFixtures.producer(servers)) {
      for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
        for (List<TokenSequence> list : List.of(a, b)) {
          if (i < list.size()) {
            producer.send(StreamFixtures.record(list.get(i)));
          }
        }
        if (i == 5) {
          bad.put(send(producer, "alpha", "not avro".getBytes(StandardCharsets.UTF_8)), "NOT_AVRO");
        }
        if (i == 7) {
          // A well-formed Avro single-object record, but of another schema.
          io.moestream.schemas.TrainerCursorState other =
              new io.moestream.schemas.TrainerCursorState(3L, 30L, 1L, 0L, 42L);
          bad.put(send(producer, "alpha", bytes(other.toByteBuffer())), "WRONG_SCHEMA");
        }
        Map.Entry<String, TokenSequence> h = hostile.get(i);
        if (h != null) {
          bad.put(send(producer, "alpha", StreamFixtures.bytes(h.getValue())), h.getKey());
        }
      }
      producer.flush();
    }
    return bad;
  }

  private static TokenSequence withTokens(TokenSequence s, List<Integer> tokens) {
    return TokenSequence.newBuilder(s).setTokens(tokens).build();
  }

  private static byte[] bytes(java.nio.ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  private static long send(KafkaProducer<byte[], byte[]> producer, String key, byte[] value)
      throws Exception {
    RecordMetadata m =
        producer
            .send(new ProducerRecord<>("tokens", key.getBytes(StandardCharsets.UTF_8), value))
            .get();
    return m.offset();
  }

  private static List<ExpertLifecycleEvent> sortedByStep(List<ExpertLifecycleEvent> events) {
    List<ExpertLifecycleEvent> sorted = new ArrayList<>(events);
    sorted.sort(
        java.util.Comparator.comparingLong(ExpertLifecycleEvent::getStep)
            .thenComparing(e -> e.getKind() == ExpertEventKind.PRUNED ? 0 : 1)
            .thenComparingInt(ExpertLifecycleEvent::getLayer)
            .thenComparingInt(ExpertLifecycleEvent::getSlot));
    return sorted;
  }

  /** Starting from the first E_init slots, applies the events in step order. */
  private static List<java.util.Set<Integer>> replayActive(
      List<ExpertLifecycleEvent> events, TrainerSettings st) {
    List<java.util.Set<Integer>> active = new ArrayList<>();
    for (int l = 0; l < st.model().layers(); l++) {
      java.util.Set<Integer> s = new HashSet<>();
      for (int e = 0; e < st.model().router().experts(); e++) {
        s.add(e);
      }
      active.add(s);
    }
    for (ExpertLifecycleEvent e : sortedByStep(events)) {
      if (e.getKind() == ExpertEventKind.SPAWNED) {
        active.get(e.getLayer()).add(e.getSlot());
      } else if (e.getKind() == ExpertEventKind.PRUNED) {
        active.get(e.getLayer()).remove(e.getSlot());
      }
    }
    return active;
  }

  /** Same format as the operator's report: slots ascending, layers separated by '|'. */
  private static String format(List<java.util.Set<Integer>> active) {
    StringBuilder b = new StringBuilder();
    for (int l = 0; l < active.size(); l++) {
      b.append(l == 0 ? "" : "|");
      b.append(String.join(",", active.get(l).stream().sorted().map(String::valueOf).toList()));
    }
    return b.toString();
  }
}
