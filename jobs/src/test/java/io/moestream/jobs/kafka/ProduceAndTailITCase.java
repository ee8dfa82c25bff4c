package io.moestream.jobs.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moestream.jobs.CliRun;
import io.moestream.jobs.cli.TopicNames;
import io.moestream.moe.data.ByteTokenizer;
import io.moestream.schemas.AvroCodec;
import io.moestream.schemas.ExpertEventKind;
import io.moestream.schemas.ExpertLifecycleEvent;
import io.moestream.schemas.TokenSequence;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two Kafka commands as a user runs them, against a real broker: {@code produce} turns a text
 * file into TokenSequences for two models that decode back to the same text, and {@code registry
 * tail} shows exactly the committed lifecycle events.
 */
class ProduceAndTailITCase {
  static {
    // The clients' INFO config dumps would bury the test output; warnings still show.
    if (System.getProperty("org.slf4j.simpleLogger.log.org.apache.kafka") == null) {
      System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
    }
  }

  private static final String TEXT =
      "Der schnelle braune Fuchs springt über den faulen Hund. Ça va très bien, merci! ".repeat(20);

  @TempDir static Path tmp;
  private static EmbeddedKafkaBroker broker;
  private static String servers;

  @BeforeAll
  static void start() throws Exception {
    broker = EmbeddedKafkaBroker.start(tmp.resolve("kafka"));
    servers = broker.bootstrapServers();
    broker.createTopics(TopicNames.defaults(), 2);
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void produceWritesEveryTokenForEveryModel() throws Exception {
    Path file = tmp.resolve("tiny-domain.txt");
    Files.writeString(file, TEXT, StandardCharsets.UTF_8);
    int length = TEXT.getBytes(StandardCharsets.UTF_8).length;
    int perModel = (length + 99) / 100;

    CliRun r =
        run(
            "produce",
            "--bootstrap-servers",
            servers,
            "--corpus",
            file.toString(),
            "--model-id",
            "alpha",
            "beta",
            "--sequence-tokens",
            "100",
            "--no-progress");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out().strip())
        .isEqualTo(
            "produced %d records (%d tokens) to tokens for models alpha,beta: tiny-domain=%d"
                + " records/%d tokens",
            2 * perModel, 2 * length, 2 * perModel, 2 * length);
    Map<String, List<TokenSequence>> byModel = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> rec :
        TopicReader.readAll(broker.clientProps(), "tokens", Duration.ofSeconds(20))) {
      TokenSequence s = AvroCodec.decode(rec.value(), TokenSequence.class);
      assertThat(new String(rec.key(), StandardCharsets.UTF_8)).isEqualTo(s.getModelId());
      assertThat(s.getDomain()).isEqualTo("tiny-domain");
      byModel.computeIfAbsent(s.getModelId(), k -> new ArrayList<>()).add(s);
    }
    assertThat(byModel).containsOnlyKeys("alpha", "beta");
    for (List<TokenSequence> seqs : byModel.values()) {
      assertThat(seqs).hasSize(perModel);
      // One key lives on one partition, so Kafka order is sequenceId order.
      assertThat(seqs).isSortedAccordingTo(Comparator.comparingLong(TokenSequence::getSequenceId));
      List<Integer> all = new ArrayList<>();
      seqs.forEach(s -> all.addAll(s.getTokens()));
      int[] ids = all.stream().mapToInt(Integer::intValue).toArray();
      assertThat(new ByteTokenizer().decode(ids)).isEqualTo(TEXT);
    }
  }

  @Test
  void produceToAMissingTopicFailsWithOneLine() {
    CliRun r =
        run(
            "produce",
            "--bootstrap-servers",
            servers,
            "--topic",
            "no-such-topic",
            "--kafka-property",
            "max.block.ms=1500",
            "--max-tokens-per-domain",
            "10",
            "--no-progress");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).startsWith("error: cannot produce to topic no-such-topic");
  }

  @Test
  void aBoundedTrainOnAMissingTopicIsBadInput() {
    CliRun r =
        CliRun.trainBounded(
            servers, tmp.resolve("train-missing"), "--tokens-topic", "no-such-tokens");
    assertThat(r.exit()).as(r.err()).isEqualTo(2);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).startsWith("error: topic no-such-tokens does not exist on " + servers);
  }

  @Test
  void tailPrintsCommittedEventsOnly() throws Exception {
    ExpertLifecycleEvent spawn =
        RegistryFixtures.event("gamma", 0, 2, ExpertEventKind.SPAWNED, 100);
    ExpertLifecycleEvent prune = RegistryFixtures.event("gamma", 1, 0, ExpertEventKind.PRUNED, 180);
    Properties p = broker.clientProps().producer();
    p.setProperty("transactional.id", "tail-it");
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(RegistryFixtures.record(spawn));
      producer.send(RegistryFixtures.record(prune));
      producer.commitTransaction();
      producer.beginTransaction();
      producer.send(
          RegistryFixtures.record(
              RegistryFixtures.event("gamma", 0, 3, ExpertEventKind.SPAWNED, 200)));
      producer.flush();
      producer.abortTransaction();
    }

    CliRun text = run("registry", "tail", "--bootstrap-servers", servers);
    assertThat(text.exit()).as(text.err()).isZero();
    assertThat(text.out().lines().sorted().toList())
        .containsExactly(
            "[gamma/0/2] SPAWNED step=100 active=3 window(tokens=4096, unrouted=512) from=1"
                + " threshold=0.2500 at=1970-01-01T00:00:00.100Z",
            "[gamma/1/0] PRUNED step=180 active=3 window(tokens=4096, unrouted=512)"
                + " activations=7 at=1970-01-01T00:00:00.180Z");

    CliRun follow =
        run("registry", "tail", "--bootstrap-servers", servers, "--follow", "--max-events", "2");
    assertThat(follow.exit()).as(follow.err()).isZero();
    assertThat(follow.out().lines().sorted().toList())
        .isEqualTo(text.out().lines().sorted().toList());
    CliRun other = run("registry", "tail", "--bootstrap-servers", servers, "--model-id", "other");
    assertThat(other.out()).isEmpty();

    CliRun json = run("registry", "tail", "--bootstrap-servers", servers, "--json");
    assertThat(json.exit()).as(json.err()).isZero();
    List<JsonNode> nodes = new ArrayList<>();
    for (String line : json.out().strip().lines().toList()) {
      nodes.add(new ObjectMapper().readTree(line));
    }
    assertThat(nodes)
        .extracting(n -> n.get("eventId").asText())
        .containsExactlyInAnyOrder(spawn.getEventId(), prune.getEventId());
    assertThat(nodes).allMatch(n -> n.get("modelId").asText().equals("gamma"));
  }

  @Test
  void tailOfAMissingTopicFailsWithOneLine() {
    CliRun r = run("registry", "tail", "--bootstrap-servers", servers, "--topic", "nope");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().strip()).startsWith("error: topic nope does not exist on " + servers);
  }

  private static CliRun run(String... args) {
    return CliRun.of(args);
  }
}
