package io.moestream.operators;

/**
 * A Kafka record exactly as it arrived, with where it came from — validation decodes it, and a
 * record that fails keeps its raw bytes and coordinates in the dead-letter topic, so nothing is
 * lost and every rejection can be traced back to its offset.
 */
public final class RawRecord {
  /** The topic of a record whose source is no longer known (the schema's field is not nullable). */
  public static final String UNKNOWN_TOPIC = "";

  /**
   * The partition or offset of a record whose source is no longer known (-1, as the schema says).
   */
  public static final int UNKNOWN = -1;

  public byte[] key;
  public byte[] value;
  public String topic;
  public int partition;
  public long offset;
  public long timestamp;

  /** For Flink's POJO serializer. */
  public RawRecord() {}

  public RawRecord(
      byte[] key, byte[] value, String topic, int partition, long offset, long timestamp) {
    this.key = key;
    this.value = value;
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
    this.timestamp = timestamp;
  }

  /**
   * A record whose Kafka coordinates are unknown: one rebuilt from its decoded value after the
   * keyBy, where topic, partition and offset are gone (see {@link #UNKNOWN_TOPIC}, {@link
   * #UNKNOWN}).
   */
  public static RawRecord ofUnknownSource(byte[] key, byte[] value, long timestamp) {
    return new RawRecord(key, value, UNKNOWN_TOPIC, UNKNOWN, UNKNOWN, timestamp);
  }
}
