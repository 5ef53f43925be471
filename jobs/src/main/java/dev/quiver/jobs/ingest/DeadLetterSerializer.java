package dev.quiver.jobs.ingest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Writes a {@link DeadLetter} as a Kafka record whose key and value are the original record's (so a
 * fixed record can be re-sent to its partition; the original timestamp and headers are not copied)
 * and whose headers say why it was rejected: {@code quiver.dlq.reason} ({@code malformed}, {@code
 * too_late}, {@code too_early} or {@code not_materialized}), {@code quiver.dlq.detail}, {@code
 * quiver.source.topic|partition|offset}, and {@code quiver.view}: the view version whose job
 * rejected it ({@code default.user_activity:v1}). Every view that reads a topic judges its records,
 * so a malformed record of a topic three views read is in the dead-letter topic three times, once
 * per view.
 */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
  public static final String REASON = "quiver.dlq.reason";
  public static final String DETAIL = "quiver.dlq.detail";
  public static final String SOURCE_TOPIC = "quiver.source.topic";
  public static final String SOURCE_PARTITION = "quiver.source.partition";
  public static final String SOURCE_OFFSET = "quiver.source.offset";
  public static final String VIEW = "quiver.view";

  /**
   * Set, to the original record's size, on a dead letter written without the original key and value
   * because they would not fit in one producer request.
   */
  public static final String OMITTED = "quiver.dlq.omitted-bytes";

  /** The producer's default {@code max.request.size}. */
  public static final int DEFAULT_MAX_REQUEST_SIZE = 1024 * 1024;

  /**
   * Room left for the record's own framing within {@code max.request.size}: the batch header (61
   * bytes), the record's varints and the header names, generously.
   */
  static final int FRAMING_BYTES = 1024;

  private final String dlqTopic;
  private final String view;
  private final int maxRequestSize;

  /**
   * @param dlqTopic the dead-letter topic
   * @param view the rejecting job's view version, e.g. {@code default.user_activity:v1}
   */
  public DeadLetterSerializer(String dlqTopic, String view) {
    this(dlqTopic, view, DEFAULT_MAX_REQUEST_SIZE);
  }

  /**
   * @param maxRequestSize the dead-letter producer's {@code max.request.size}
   */
  public DeadLetterSerializer(String dlqTopic, String view, int maxRequestSize) {
    this.dlqTopic = dlqTopic;
    this.view = view;
    this.maxRequestSize = maxRequestSize;
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      DeadLetter letter, KafkaSinkContext context, Long timestamp) {
    List<Header> headers = new ArrayList<>(6);
    headers.add(header(REASON, letter.reason));
    headers.add(header(DETAIL, letter.detail));
    headers.add(header(SOURCE_TOPIC, letter.topic));
    headers.add(header(SOURCE_PARTITION, Integer.toString(letter.partition)));
    headers.add(header(SOURCE_OFFSET, Long.toString(letter.offset)));
    headers.add(header(VIEW, view));
    byte[] key = letter.key;
    byte[] value = letter.value;
    long original = length(key) + length(value);
    long size = original + FRAMING_BYTES;
    for (Header h : headers) {
      size += h.key().length() + h.value().length;
    }
    if (size > maxRequestSize) {
      // The producer refuses a record over max.request.size (RecordTooLargeException), which
      // failed the job on this record again after every restart: a topic that allows larger
      // records than the producer's 1 MiB default let one large malformed record stop the view.
      // The letter keeps its reason and coordinates; the bytes stay in the source topic.
      key = null;
      value = new byte[0];
      headers.add(header(OMITTED, Long.toString(original)));
    }
    return new ProducerRecord<>(dlqTopic, null, null, key, value, headers);
  }

  private static long length(byte[] b) {
    return b == null ? 0 : b.length;
  }

  private static Header header(String key, String value) {
    return new RecordHeader(key, (value == null ? "" : value).getBytes(StandardCharsets.UTF_8));
  }
}
