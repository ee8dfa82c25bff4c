package io.moestream.jobs.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Option;

/**
 * The Kafka client settings every command shares: {@code --bootstrap-servers}, a properties file
 * {@code --kafka-config FILE} (Kafka's own {@code --command-config} convention, so secrets stay out
 * of {@code ps} and the shell history) and repeatable {@code --kafka-property KEY=VALUE} (which
 * wins over the file), passed unchanged to every client, so SASL and TLS ({@code
 * security.protocol}, {@code sasl.*}, {@code ssl.*}) work without a flag per setting. Used as a
 * picocli mixin or built with {@link #of}.
 *
 * <p>Those pass-through values include passwords and JAAS configs, so this class never prints them:
 * {@link #toString()} and {@link #redacted()} show {@code [hidden]} for every key that looks
 * secret. The {@link Properties} it builds go to Kafka clients only, never to a log, and no error
 * message quotes a value ({@link #values()} lets the CLI's error handler check that).
 */
public final class KafkaClientProps {
  /** What a hidden value reads as, in printed settings and in error lines ({@code CliErrors}). */
  public static final String HIDDEN = "[hidden]";

  private static final String[] SECRET_MARKERS = {
    "password", "secret", "sasl.jaas.config", "ssl.key"
  };

  @Option(
      names = "--bootstrap-servers",
      defaultValue = "localhost:9092",
      paramLabel = "HOST:PORT[,...]",
      description = "Kafka brokers to connect to (default: ${DEFAULT-VALUE}).")
  String bootstrapServers;

  @Option(
      names = "--kafka-property",
      paramLabel = "KEY=VALUE",
      description =
          "Kafka client property for every client (repeatable), e.g. security.protocol=SASL_SSL,"
              + " sasl.mechanism=PLAIN, ssl.truststore.location=...; secret values are never"
              + " printed.")
  Map<String, String> properties = new LinkedHashMap<>();

  @Option(
      names = "--kafka-config",
      paramLabel = "FILE",
      description =
          "Properties file of Kafka client settings for every client (like Kafka's"
              + " --command-config), e.g. SASL credentials kept out of the command line;"
              + " --kafka-property wins over it. Its values are never printed.")
  Path kafkaConfig;

  /**
   * Settings applied first, below the file and {@code --kafka-property}: the client timeouts that
   * {@link #within} derives from a command's {@code --timeout}.
   */
  private Map<String, String> defaults = Map.of();

  /** For picocli; fields are filled from the command line. */
  public KafkaClientProps() {}

  /** Settings for code that builds clients itself (the demo, tests). */
  public static KafkaClientProps of(String bootstrapServers, Map<String, String> properties) {
    KafkaClientProps p = new KafkaClientProps();
    p.bootstrapServers = bootstrapServers;
    p.properties = new LinkedHashMap<>(properties);
    return p;
  }

  /**
   * These settings with every client's own waits bounded by {@code timeout} ({@link
   * KafkaTimeouts}), so a command returns within its {@code --timeout} when Kafka does not answer.
   * A timeout set explicitly with {@code --kafka-property} or {@code --kafka-config} still wins:
   * the user named it.
   */
  public KafkaClientProps within(Duration timeout) {
    KafkaClientProps p = new KafkaClientProps();
    p.bootstrapServers = bootstrapServers;
    p.properties = new LinkedHashMap<>(properties);
    p.kafkaConfig = kafkaConfig;
    p.defaults = KafkaTimeouts.settings(timeout);
    return p;
  }

  /** The validated bootstrap servers. */
  public String bootstrapServers() {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("--bootstrap-servers must name at least one HOST:PORT");
    }
    return bootstrapServers.strip();
  }

  /** Bootstrap servers and the pass-through properties: the base of every client. */
  public Properties common() {
    Properties p = new Properties();
    defaults.forEach(p::setProperty);
    Properties file = fileProperties();
    for (String key : file.stringPropertyNames()) {
      if (key.strip().equals("bootstrap.servers")) {
        throw new IllegalArgumentException(
            "use --bootstrap-servers, not bootstrap.servers in --kafka-config");
      }
      p.setProperty(key.strip(), file.getProperty(key));
    }
    for (Map.Entry<String, String> e : properties.entrySet()) {
      String key = e.getKey() == null ? "" : e.getKey().strip();
      if (key.isEmpty()) {
        throw new IllegalArgumentException("--kafka-property needs KEY=VALUE, got an empty key");
      }
      if (key.equals("bootstrap.servers")) {
        throw new IllegalArgumentException(
            "use --bootstrap-servers, not --kafka-property bootstrap.servers=...");
      }
      p.setProperty(key, e.getValue() == null ? "" : e.getValue());
    }
    p.setProperty("bootstrap.servers", bootstrapServers());
    return p;
  }

  /** The settings of {@code --kafka-config}, empty without it. */
  private Properties fileProperties() {
    Properties p = new Properties();
    if (kafkaConfig == null) {
      return p;
    }
    try (Reader r = Files.newBufferedReader(kafkaConfig, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(
          "cannot read --kafka-config " + kafkaConfig + ": no such file");
    } catch (IOException | IllegalArgumentException e) {
      // Never e.getMessage(): Properties.load quotes the malformed line, which may be a secret.
      throw new IllegalArgumentException(
          "cannot read --kafka-config " + kafkaConfig + ": not a readable properties file");
    }
    return p;
  }

  /** Every configured property value: what no output or error message may contain. */
  public java.util.List<String> values() {
    java.util.List<String> out = new java.util.ArrayList<>();
    if (kafkaConfig != null && Files.isReadable(kafkaConfig)) {
      try {
        fileProperties().forEach((k, v) -> out.add(v.toString()));
      } catch (IllegalArgumentException unreadable) {
        // nothing read, nothing to hide
      }
    }
    properties.values().forEach(v -> out.add(v == null ? "" : v));
    return out;
  }

  /** An admin client's settings. */
  public Properties admin() {
    return common();
  }

  /**
   * An idempotent producer of byte keys and values with {@code acks=all}: a retried send can
   * neither duplicate nor reorder a model's sequences, which training order depends on. These
   * settings override pass-through values.
   */
  public Properties producer() {
    Properties p = common();
    p.setProperty("key.serializer", ByteArraySerializer.class.getName());
    p.setProperty("value.serializer", ByteArraySerializer.class.getName());
    p.setProperty("enable.idempotence", "true");
    p.setProperty("acks", "all");
    return p;
  }

  /**
   * A consumer of byte keys and values that sees committed transactions only (the job's sinks are
   * transactional; an aborted attempt must never be shown) and commits no offsets (readers assign
   * partitions themselves and start from the beginning).
   */
  public Properties consumer() {
    Properties p = common();
    p.setProperty("key.deserializer", ByteArrayDeserializer.class.getName());
    p.setProperty("value.deserializer", ByteArrayDeserializer.class.getName());
    p.setProperty("isolation.level", "read_committed");
    p.setProperty("enable.auto.commit", "false");
    p.setProperty("auto.offset.reset", "earliest");
    return p;
  }

  /** All settings for printing: secret values replaced by {@value #HIDDEN}. */
  public Map<String, String> redacted() {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("bootstrap.servers", bootstrapServers);
    if (kafkaConfig != null) {
      fileProperties()
          .forEach((k, v) -> out.put(k.toString(), isSecret(k.toString()) ? HIDDEN : v.toString()));
    }
    properties.forEach((k, v) -> out.put(k, isSecret(k) ? HIDDEN : v));
    return out;
  }

  /** Whether the value of {@code key} must never be printed. */
  public static boolean isSecret(String key) {
    String k = key == null ? "" : key.toLowerCase(Locale.ROOT);
    for (String marker : SECRET_MARKERS) {
      if (k.contains(marker)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "KafkaClientProps" + redacted();
  }
}
