package dev.quiver.jobs.ingest;

/**
 * One Kafka record as the job first sees it: the original bytes plus where they came from. A Flink
 * POJO (public fields, no-arg constructor) so that it serialises without Kryo.
 */
public class RawEvent {
  public String topic;
  public int partition;
  public long offset;

  /** The Kafka record timestamp (epoch ms): the event's ingestion time, {@code _ingested_at}. */
  public long kafkaTimestamp;

  public byte[] value;

  /** The record's key as sent (null when it had none), kept for the dead-letter topic. */
  public byte[] key;

  public RawEvent() {}

  public RawEvent(String topic, int partition, long offset, long kafkaTimestamp, byte[] value) {
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
    this.kafkaTimestamp = kafkaTimestamp;
    this.value = value;
  }

  /** A record with a key. */
  public RawEvent(
      String topic, int partition, long offset, long kafkaTimestamp, byte[] key, byte[] value) {
    this(topic, partition, offset, kafkaTimestamp, value);
    this.key = key;
  }
}
