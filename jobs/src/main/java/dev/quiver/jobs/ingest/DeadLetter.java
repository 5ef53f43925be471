package dev.quiver.jobs.ingest;

/**
 * A rejected event on its way to the dead-letter topic: the original bytes and key, unchanged, with
 * the reason code, a human-readable detail and the source coordinates (written as Kafka headers).
 */
public class DeadLetter {
  /** Reason codes written in the {@code quiver.dlq.reason} header. */
  public static final String MALFORMED = "malformed";

  public static final String TOO_LATE = "too_late";

  /**
   * An event time too far ahead of the record's Kafka timestamp ({@code
   * jobs.event-time-max-ahead}).
   */
  public static final String TOO_EARLY = "too_early";

  /**
   * A well-formed record that is deliberately not materialized, e.g. a Debezium delete (op {@code
   * d}), truncate or tombstone.
   */
  public static final String NOT_MATERIALIZED = "not_materialized";

  public String reason;
  public String detail;
  public String topic;
  public int partition;
  public long offset;
  public byte[] value;
  public byte[] key;

  public DeadLetter() {}

  public DeadLetter(String reason, String detail, RawEvent raw) {
    this.reason = reason;
    this.detail = detail;
    this.topic = raw.topic;
    this.partition = raw.partition;
    this.offset = raw.offset;
    this.value = raw.value;
    this.key = raw.key;
  }
}
