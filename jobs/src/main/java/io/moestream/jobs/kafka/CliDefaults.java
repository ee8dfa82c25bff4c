package io.moestream.jobs.kafka;

import java.util.Arrays;

/**
 * JVM-wide settings the Kafka commands need but their users should not have to pass as {@code -D}
 * flags. Each is applied only when the user has not set it.
 */
final class CliDefaults {
  static final String AVRO_PACKAGES = "org.apache.avro.SERIALIZABLE_PACKAGES";
  static final String SCHEMAS_PACKAGE = "io.moestream.schemas";
  static final String KAFKA_LOG_LEVEL = "org.slf4j.simpleLogger.log.org.apache.kafka";

  private CliDefaults() {}

  /**
   * Makes Avro 1.12.2 willing to decode this project's generated classes. Avro reads the property
   * once, when its readers are first loaded, and refuses classes outside those packages; so the
   * commands call this from their static initialisers, before any Avro reader class is touched. A
   * value set on the command line is kept and only extended.
   */
  static synchronized void trustSchemas() {
    String current = System.getProperty(AVRO_PACKAGES);
    if (current == null || current.isBlank()) {
      System.setProperty(AVRO_PACKAGES, SCHEMAS_PACKAGE);
    } else if (!Arrays.asList(current.split(",")).contains(SCHEMAS_PACKAGE)) {
      System.setProperty(AVRO_PACKAGES, current + "," + SCHEMAS_PACKAGE);
    }
  }

  /**
   * Keeps the Kafka clients of a one-shot command (produce, tail) to errors: their retry warnings
   * ("could not connect", "unknown topic") repeat every second and bury the one {@code error:} line
   * that says what is wrong. Called when such a command runs, before it creates a client (loggers
   * take their level when created), never from a static initialiser: picocli instantiates every
   * subcommand, and the streaming job's own Kafka warnings must stay visible.
   */
  static void quietKafkaClients() {
    if (System.getProperty(KAFKA_LOG_LEVEL) == null) {
      System.setProperty(KAFKA_LOG_LEVEL, "error");
    }
  }
}
