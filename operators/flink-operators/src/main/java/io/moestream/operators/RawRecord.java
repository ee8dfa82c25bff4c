package io.moestream.operators;

/**
 * A Kafka record exactly as it arrived, with where it came from — validation decodes it, and a
 * record that fails keeps its raw bytes and coordinates in the dead-letter topic, so nothing is
 * lost and every rejection can be traced back to its offset.
 */
public final class RawRecord {
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
}
