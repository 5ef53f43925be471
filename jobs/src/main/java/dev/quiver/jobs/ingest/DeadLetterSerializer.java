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
 * fixed record can be re-sent to its partition as it was) and whose headers say why it was
 * rejected: {@code quiver.dlq.reason} ({@code malformed} or {@code too_late}), {@code
 * quiver.dlq.detail}, {@code quiver.source.topic|partition|offset}, and {@code quiver.view}: the
 * view version whose job rejected it ({@code default.user_activity:v1}). Every view that reads a
 * topic judges its records, so a malformed record of a topic three views read is in the dead-letter
 * topic three times, once per view.
 */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
  public static final String REASON = "quiver.dlq.reason";
  public static final String DETAIL = "quiver.dlq.detail";
  public static final String SOURCE_TOPIC = "quiver.source.topic";
  public static final String SOURCE_PARTITION = "quiver.source.partition";
  public static final String SOURCE_OFFSET = "quiver.source.offset";
  public static final String VIEW = "quiver.view";

  private final String dlqTopic;
  private final String view;

  /**
   * @param dlqTopic the dead-letter topic
   * @param view the rejecting job's view version, e.g. {@code default.user_activity:v1}
   */
  public DeadLetterSerializer(String dlqTopic, String view) {
    this.dlqTopic = dlqTopic;
    this.view = view;
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
    return new ProducerRecord<>(dlqTopic, null, null, letter.key, letter.value, headers);
  }

  private static Header header(String key, String value) {
    return new RecordHeader(key, (value == null ? "" : value).getBytes(StandardCharsets.UTF_8));
  }
}
