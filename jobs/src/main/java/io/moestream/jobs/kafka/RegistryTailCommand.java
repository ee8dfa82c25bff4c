package io.moestream.jobs.kafka;

import io.moestream.jobs.cli.KafkaClientProps;
import io.moestream.jobs.cli.RegistryTopicOption;
import io.moestream.jobs.cli.TimeoutOption;
import io.moestream.schemas.AvroCodec;
import io.moestream.schemas.ExpertLifecycleEvent;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code moe registry tail}: prints the lifecycle events on the registry topic, one per line.
 *
 * <p>Reads with {@code read_committed}: the job writes events in transactions that commit with its
 * checkpoints, and an event of an aborted attempt (rolled back by a restore) never happened as far
 * as the model is concerned, so it must not be shown. A record that does not decode is reported on
 * stderr and skipped: one bad record must not hide the rest of the history.
 */
@Command(
    name = "tail",
    mixinStandardHelpOptions = true,
    description = "Print ExpertLifecycleEvents from the registry topic (read_committed).")
public final class RegistryTailCommand implements Callable<Integer> {
  static {
    CliDefaults.trustSchemas();
  }

  @Spec CommandSpec spec;
  @Mixin KafkaClientProps kafka;

  @Mixin RegistryTopicOption registry;

  /** Each call to Kafka; with --follow, the wait for new events is not bounded by it. */
  @Mixin TimeoutOption timeout = new TimeoutOption(15);

  @Option(
      names = "--from-beginning",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description = "Start at the oldest event (default); --no-from-beginning: new events only.")
  boolean fromBeginning;

  @Option(
      names = "--follow",
      description = "Keep waiting for new events (Ctrl-C to stop); otherwise stop when caught up.")
  boolean follow;

  @Option(names = "--json", description = "One JSON object per line instead of text.")
  boolean json;

  @Option(names = "--model-id", paramLabel = "ID", description = "Only events of this model.")
  String modelId;

  @Option(
      names = "--max-events",
      paramLabel = "N",
      description = "Stop after printing N events (useful with --follow in scripts).")
  Long maxEvents;

  @Override
  public Integer call() {
    CliDefaults.quietKafkaClients();
    if (maxEvents != null && maxEvents < 1) {
      throw new IllegalArgumentException("--max-events must be >= 1, got " + maxEvents);
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    long printed = 0;
    try (TopicReader reader =
        new TopicReader(kafka, registry.topic, fromBeginning, timeout.timeout())) {
      while (follow || !reader.caughtUp()) {
        for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(500))) {
          ExpertLifecycleEvent e = decode(r, err);
          if (e == null || (modelId != null && !modelId.equals(e.getModelId()))) {
            continue;
          }
          out.println(json ? EventFormat.json(e) : EventFormat.text(e));
          out.flush();
          if (maxEvents != null && ++printed >= maxEvents) {
            return 0;
          }
        }
      }
    }
    return 0;
  }

  static ExpertLifecycleEvent decode(ConsumerRecord<byte[], byte[]> r, PrintWriter err) {
    if (r.value() == null) {
      return null; // a tombstone: compaction's way to forget a key, not an event
    }
    try {
      return AvroCodec.decode(r.value(), ExpertLifecycleEvent.class);
    } catch (IllegalArgumentException e) {
      err.println(
          "warning: skipped record at "
              + r.topic()
              + "/"
              + r.partition()
              + "@"
              + r.offset()
              + ": "
              + e.getMessage());
      err.flush();
      return null;
    }
  }
}
