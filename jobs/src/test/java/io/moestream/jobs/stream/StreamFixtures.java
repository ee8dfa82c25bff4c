package io.moestream.jobs.stream;

import io.moestream.jobs.cli.TopicNames;
import io.moestream.moe.config.ModelConfig;
import io.moestream.moe.config.RecordingWindow;
import io.moestream.moe.config.RouterConfig;
import io.moestream.moe.config.TrainConfig;
import io.moestream.moe.data.TextCorpus;
import io.moestream.operators.TrainerSettings;
import io.moestream.schemas.TokenSequence;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A small drifting stream (English, then source code), the settings the tests train with, and the
 * job wired to an embedded broker's topics.
 */
final class StreamFixtures {
  private StreamFixtures() {}

  /** The pipeline's four topics (two token and two registry partitions; registry compacted). */
  static void createTopics(String servers) throws Exception {
    createTopics(servers, TopicNames.defaults());
  }

  /** {@code t}'s four topics (two token and two registry partitions; registry compacted). */
  static void createTopics(String servers, TopicNames t) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(t.tokens(), 2, (short) 1),
                  new NewTopic(t.dlq(), 1, (short) 1),
                  new NewTopic(t.registry(), 2, (short) 1)
                      .configs(Map.of("cleanup.policy", "compact")),
                  new NewTopic(t.metrics(), 1, (short) 1)))
          .all()
          .get();
    }
  }

  /** The job on those topics with the test settings; {@code bounded}: stop at today's end. */
  static MoeStreamingJob job(String servers, TrainerSettings st, boolean bounded) {
    return job(servers, st, bounded, TopicNames.defaults(), "it");
  }

  /** The job on {@code t}'s topics, reading as consumer group {@code group}. */
  static MoeStreamingJob job(
      String servers, TrainerSettings st, boolean bounded, TopicNames t, String group) {
    // Transactional ids of their own per registry topic: jobs of one test on other topics never
    // fence each other. `train` uses its --job-name instead; restoring this job's savepoint with it
    // (SnapshotRestoreITCase) works because Flink's Kafka sink, seeing the prefix changed, aborts
    // the lingering transactions of the restored writer state's prefix as well as its own.
    KafkaConnectors k = new KafkaConnectors(servers, new Properties(), "moe-" + t.registry());
    return k.job(t, group, bounded, st, 1024);
  }

  /** Two models, alpha and beta, each 60 records of English then 60 of source code. */
  static Map<String, List<TokenSequence>> twoModels() {
    Map<String, List<TokenSequence>> byModel = new HashMap<>();
    byModel.put("alpha", drift("alpha", 66 * 60, 0));
    byModel.put("beta", drift("beta", 66 * 60, 100_000));
    return byModel;
  }

  /**
   * Writes a {@code train --config} file for out-of-process runs: a small DynMoE model (d=32,
   * ctx=32, ff=64, 2 of 8 slots, batch 4) whose recording window closes within a few steps,
   * checkpoints every second, one libtorch thread, then {@code extra} lines ({@code key = value}).
   */
  static Path smallTrainConfig(Path file, String servers, String... extra) throws IOException {
    List<String> lines =
        new ArrayList<>(
            List.of(
                "bootstrap-servers = " + servers,
                "d = 32",
                "ctx = 32",
                "ff = 64",
                "experts = 2",
                "emax = 8",
                "batch = 4",
                "window-start = 4",
                "window-length = 4",
                "window-period = 8",
                "checkpoint-interval = 1",
                "threads = 1"));
    lines.addAll(List.of(extra));
    lines.add("");
    Files.writeString(file, String.join("\n", lines));
    return file;
  }

  /**
   * {@code args} of a CLI {@code train}, then the model flags of the small model the CLI and
   * out-of-process runs train (d=16, ctx=16, ff=32, DynMoE with 2 of 4 slots, batch 2).
   */
  static String[] withSmallModel(String... args) {
    List<String> out = new ArrayList<>(List.of(args));
    out.addAll(
        List.of(
            "--d",
            "16",
            "--ctx",
            "16",
            "--ff",
            "32",
            "--experts",
            "2",
            "--emax",
            "4",
            "--batch",
            "2"));
    return out.toArray(String[]::new);
  }

  static TrainerSettings settings() {
    ModelConfig mc = new ModelConfig(259, 32, 2, 2, 32, 64, RouterConfig.dynMoe(2, 8));
    TrainConfig tc = TrainConfig.defaults(9).withWindow(new RecordingWindow(4, 4, 8));
    return new TrainerSettings(mc, tc, 4, 5);
  }

  /** Records of 66 tokens for {@code modelId}: {@code perDomain} tokens of English, then code. */
  static List<TokenSequence> drift(String modelId, int perDomain, int offsetInDomain) {
    List<TokenSequence> out = new ArrayList<>();
    long seq = 0;
    for (TextCorpus.Domain d : TextCorpus.bundled().domains().subList(0, 2)) {
      int[] all = d.tokens();
      for (int start = offsetInDomain; start < offsetInDomain + perDomain; start += 66) {
        int[] part = Arrays.copyOfRange(all, start, start + 66);
        List<Integer> tokens = new ArrayList<>();
        for (int t : part) {
          tokens.add(t);
        }
        out.add(
            TokenSequence.newBuilder()
                .setModelId(modelId)
                .setSequenceId(seq++)
                .setTokens(tokens)
                .setDomain(d.name())
                .setModality(null)
                .setEventTime(Instant.ofEpochMilli(1_000_000L + seq))
                .build());
      }
    }
    return out;
  }

  /** An idempotent producer of raw records. */
  static KafkaProducer<byte[], byte[]> producer(String servers) {
    Properties p = new Properties();
    p.put("bootstrap.servers", servers);
    p.put("enable.idempotence", "true");
    p.put("acks", "all");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** {@code s} as the job reads it: on "tokens", key = model id. */
  static ProducerRecord<byte[], byte[]> record(TokenSequence s) {
    return record("tokens", s);
  }

  /** {@code s} on {@code topic}, key = model id. */
  static ProducerRecord<byte[], byte[]> record(String topic, TokenSequence s) {
    return new ProducerRecord<>(topic, s.getModelId().getBytes(StandardCharsets.UTF_8), bytes(s));
  }

  static byte[] bytes(TokenSequence s) {
    try {
      ByteBuffer b = s.toByteBuffer();
      byte[] out = new byte[b.remaining()];
      b.get(out);
      return out;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Both models' records interleaved (alpha, beta, alpha, …), the order the tests produce them. */
  static List<TokenSequence> interleaved(Map<String, List<TokenSequence>> byModel) {
    List<TokenSequence> a = byModel.get("alpha");
    List<TokenSequence> b = byModel.get("beta");
    List<TokenSequence> out = new ArrayList<>();
    for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
      for (List<TokenSequence> list : List.of(a, b)) {
        if (i < list.size()) {
          out.add(list.get(i));
        }
      }
    }
    return out;
  }

  /** "tokens=count/hash" of {@code records}, as the trainer reports what it consumed. */
  static String producedTokens(List<TokenSequence> records) {
    long count = 0;
    long hash = 0;
    for (TokenSequence r : records) {
      int[] t = r.getTokens().stream().mapToInt(Integer::intValue).toArray();
      count += t.length;
      hash = io.moestream.state.TrainerCursor.extend(hash, t);
    }
    return "tokens=" + count + "/" + Long.toHexString(hash);
  }
}
