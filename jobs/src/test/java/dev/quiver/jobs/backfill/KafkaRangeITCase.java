package dev.quiver.jobs.backfill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.kafka.EmbeddedKafka;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link KafkaRange#resolve} against a real (embedded KRaft) broker: explicit ranges must lie
 * within the offsets the broker retains. Before, {@code kafka:0:0-99999999} made a backfill wait
 * forever for offsets that were never written (holding the offline job thread), and {@code
 * kafka:7:0-100} on a one-partition topic "succeeded" with 0 rows.
 */
class KafkaRangeITCase {
  private static final String TOPIC = "range_events";
  private static EmbeddedKafka kafka;
  private static Properties props;

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start();
    kafka.createTopic(TOPIC, 2);
    props = new Properties();
    props.put("bootstrap.servers", kafka.bootstrapServers());
    try (KafkaProducer<byte[], byte[]> p =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < 10; i++) {
        p.send(new ProducerRecord<>(TOPIC, 0, null, ("e" + i).getBytes())).get();
      }
      for (int i = 0; i < 4; i++) {
        p.send(new ProducerRecord<>(TOPIC, 1, null, ("f" + i).getBytes())).get();
      }
    }
    // retention: partition 1 keeps offsets from 2 on
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      admin
          .deleteRecords(Map.of(new TopicPartition(TOPIC, 1), RecordsToDelete.beforeOffset(2)))
          .all()
          .get();
    }
  }

  /**
   * {@code kafka} with a start time: each partition from its first record whose Kafka timestamp is
   * at or after it (before, a backfill of one day read every retained record of the topic). The
   * records before it all have earlier timestamps, out of order ones included.
   */
  @Test
  void theWholeTopicFromATimeStartsAtTheFirstRecordNotBeforeIt() throws Exception {
    String topic = "timed_events";
    kafka.createTopic(topic, 3);
    try (KafkaProducer<byte[], byte[]> p =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      long[] partition0 = {1000, 2000, 3000, 500, 4000, 2600};
      for (long ts : partition0) {
        p.send(new ProducerRecord<>(topic, 0, ts, null, ("e" + ts).getBytes())).get();
      }
      for (long ts : new long[] {100, 200}) {
        p.send(new ProducerRecord<>(topic, 1, ts, null, ("f" + ts).getBytes())).get();
      }
    }
    TopicPartition p0 = new TopicPartition(topic, 0);
    TopicPartition p1 = new TopicPartition(topic, 1);
    TopicPartition p2 = new TopicPartition(topic, 2);
    KafkaRange r = KafkaRange.resolve("kafka", topic, props, 2500);
    // partition 0 from offset 2 (3000; the 500 and 2600 after it are read too), partition 1 has
    // no record at or after 2500 and the empty partition 2 none at all: nothing to read there
    assertThat(r.first()).isEqualTo(Map.of(p0, 2L, p1, 2L, p2, 0L));
    assertThat(r.end()).isEqualTo(Map.of(p0, 6L, p1, 2L, p2, 0L));
    assertThat(r.offsets()).isEqualTo(4);
    assertThat(KafkaRange.resolve("kafka", topic, props).offsets()).as("no cut").isEqualTo(8);
    // an explicit range is taken as given
    assertThat(KafkaRange.resolve("kafka:0:0-6", topic, props, 2500).offsets()).isEqualTo(6);
  }

  @AfterAll
  static void stop() throws Exception {
    kafka.close();
  }

  @Test
  void theWholeTopicIsEveryRetainedOffset() {
    KafkaRange r = KafkaRange.resolve("kafka", TOPIC, props);
    assertThat(r.first())
        .containsEntry(new TopicPartition(TOPIC, 0), 0L)
        .containsEntry(new TopicPartition(TOPIC, 1), 2L);
    assertThat(r.end())
        .containsEntry(new TopicPartition(TOPIC, 0), 10L)
        .containsEntry(new TopicPartition(TOPIC, 1), 4L);
    assertThat(r.offsets()).isEqualTo(12);
  }

  @Test
  void anExplicitRangeWithinTheRetainedOffsetsIsTakenAsGiven() {
    KafkaRange r = KafkaRange.resolve("kafka:0:3-10,1:2-3", TOPIC, props);
    assertThat(r.first())
        .isEqualTo(Map.of(new TopicPartition(TOPIC, 0), 3L, new TopicPartition(TOPIC, 1), 2L));
    assertThat(r.end())
        .isEqualTo(Map.of(new TopicPartition(TOPIC, 0), 10L, new TopicPartition(TOPIC, 1), 3L));
    assertThat(r.offsets()).isEqualTo(8);
  }

  @Test
  void anEndPastThePartitionsEndIsRefusedInsteadOfWaitingForever() {
    assertThatThrownBy(() -> KafkaRange.resolve("kafka:0:0-99999999", TOPIC, props))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "source: 'kafka:0:0-99999999': partition 0 of topic 'range_events' ends at offset 10,"
                + " before the range's end 99999999 (expected: END <= 10; a bounded read would"
                + " wait for offsets that are not written yet)");
  }

  @Test
  void aPartitionTheTopicDoesNotHaveIsRefused() {
    assertThatThrownBy(() -> KafkaRange.resolve("kafka:0:0-5,7:0-100", TOPIC, props))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "source: 'kafka:0:0-5,7:0-100': topic 'range_events' has no partition 7 (partitions:"
                + " [0, 1]); name an existing partition, or use 'kafka' for every retained"
                + " offset");
  }

  @Test
  void aFirstOffsetThatRetentionDeletedIsRefused() {
    assertThatThrownBy(() -> KafkaRange.resolve("kafka:1:0-4", TOPIC, props))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "source: 'kafka:1:0-4': partition 1 of topic 'range_events' retains offsets from 2"
                + " only, after the range's first offset 0 (expected: FIRST >= 2; older records"
                + " were deleted by retention)");
  }
}
