package io.moestream.jobs.kafka;

import io.moestream.jobs.cli.TopicNames;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One embedded broker for all the tests of a class, with the default topics: register it as a
 * static {@code @RegisterExtension} field. It starts before the class's first test, in a temporary
 * directory of its own, and is closed (and its directory deleted) after the last.
 */
public final class ClassBroker implements BeforeAllCallback, AfterAllCallback {
  static {
    // The clients' INFO config dumps would bury the test output; warnings still show. Set when the
    // test class initialises its field, before any Kafka class logs.
    if (System.getProperty("org.slf4j.simpleLogger.log.org.apache.kafka") == null) {
      System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
    }
  }

  private final int tokenPartitions;
  private EmbeddedKafkaBroker broker;

  /** A broker whose tokens topic has {@code tokenPartitions} partitions. */
  public ClassBroker(int tokenPartitions) {
    this.tokenPartitions = tokenPartitions;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    broker = EmbeddedKafkaBroker.start();
    broker.createTopics(TopicNames.defaults(), tokenPartitions);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (broker != null) {
      broker.close();
    }
  }

  public String bootstrapServers() {
    return broker.bootstrapServers();
  }
}
