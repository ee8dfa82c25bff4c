package io.moestream.jobs.cli;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Kafka client settings that make a client give up within a command's {@code --timeout}.
 *
 * <p>Why: Kafka's defaults are patient for a long-running service (60 s {@code max.block.ms} and
 * {@code default.api.timeout.ms}, 30 s requests, connection attempts backing off up to 30 s), so a
 * command against an unreachable or non-resolving broker waited those out whatever {@code
 * --timeout} said. Each blocking call of every client is bounded by {@code default.api.timeout.ms}
 * (consumer, admin) or {@code max.block.ms} (producer metadata and send buffer), one request by
 * {@code request.timeout.ms}, one connection attempt by {@code socket.connection.setup.timeout.*}.
 * {@code request.timeout.ms} is never raised above Kafka's 30 s default: a producer needs {@code
 * delivery.timeout.ms >= linger.ms + request.timeout.ms}, and the admin client wants it no larger
 * than {@code default.api.timeout.ms}.
 */
public final class KafkaTimeouts {
  /** Kafka's defaults, the most the derived values take. */
  static final long REQUEST_MS = 30_000;

  static final long CONNECTION_SETUP_MS = 10_000;
  static final long CONNECTION_SETUP_MAX_MS = 30_000;

  private KafkaTimeouts() {}

  /**
   * Client settings (Kafka's keys, values in ms) for commands that must answer within {@code t}.
   */
  public static Map<String, String> settings(Duration t) {
    long ms = t.toMillis();
    if (ms < 1) {
      throw new IllegalArgumentException("a Kafka timeout must be positive, got " + t);
    }
    Map<String, String> s = new LinkedHashMap<>();
    s.put("default.api.timeout.ms", Long.toString(ms));
    s.put("max.block.ms", Long.toString(ms));
    s.put("request.timeout.ms", Long.toString(Math.min(ms, REQUEST_MS)));
    s.put("socket.connection.setup.timeout.ms", Long.toString(Math.min(ms, CONNECTION_SETUP_MS)));
    s.put(
        "socket.connection.setup.timeout.max.ms",
        Long.toString(Math.min(ms, CONNECTION_SETUP_MAX_MS)));
    return s;
  }
}
