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

  public RawEvent() {}

  public RawEvent(String topic, int partition, long offset, long kafkaTimestamp, byte[] value) {
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
    this.kafkaTimestamp = kafkaTimestamp;
    this.value = value;
  }
}
