package dev.quiver.jobs.backfill;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A bounded range of a Kafka topic: per partition, the first offset read and the first not read.
 * {@code kafka} means every offset retained when the backfill starts; {@code
 * kafka:0:100-200,1:0-50} names the ranges, which must lie within the retained offsets.
 */
record KafkaRange(String topic, Map<TopicPartition, Long> first, Map<TopicPartition, Long> end) {
  KafkaRange {
    first = Map.copyOf(first);
    end = Map.copyOf(end);
  }

  /** Total number of offsets in the range (records, including the ones the parser rejects). */
  long offsets() {
    long n = 0;
    for (var e : end.entrySet()) {
      n += Math.max(0, e.getValue() - first.getOrDefault(e.getKey(), e.getValue()));
    }
    return n;
  }

  /**
   * Resolves {@code spec} against the broker: {@code kafka} asks it for the beginning and end
   * offsets of every partition of {@code topic}; explicit ranges must lie within what the broker
   * retains (a partition it does not have, an end past the partition's end offset or a first offset
   * that retention has already deleted is refused: the bounded read would wait forever for offsets
   * that are never written, or silently start later than asked).
   *
   * @throws IllegalArgumentException for a malformed spec, a topic the broker does not have, or a
   *     range outside the retained offsets
   */
  static KafkaRange resolve(String spec, String topic, Properties kafka) {
    return resolve(spec, topic, kafka, Long.MIN_VALUE);
  }

  /**
   * {@link #resolve(String, String, Properties)}, where {@code kafka} (every retained offset)
   * starts each partition at its first record whose Kafka timestamp is {@code >= notBeforeMs} (the
   * broker's {@code offsetsForTimes}; the partition's end when it has none): every record before it
   * has an earlier timestamp. {@link Long#MIN_VALUE}: no cut. Explicit ranges are taken as given.
   */
  static KafkaRange resolve(String spec, String topic, Properties kafka, long notBeforeMs) {
    Map<TopicPartition, Long> first = new TreeMap<>(KafkaRange::compare);
    Map<TopicPartition, Long> end = new TreeMap<>(KafkaRange::compare);
    // the form was checked when the backfill was submitted (BackfillSource.Kafka); the same parse
    for (var r : dev.quiver.offline.BackfillSource.Kafka.ranges(spec).entrySet()) {
      TopicPartition tp = new TopicPartition(topic, r.getKey());
      first.put(tp, r.getValue()[0]);
      end.put(tp, r.getValue()[1]);
    }
    KafkaRange retained = retained(topic, kafka, first.isEmpty() ? notBeforeMs : Long.MIN_VALUE);
    if (first.isEmpty()) {
      return retained;
    }
    for (TopicPartition tp : first.keySet()) {
      Long head = retained.first().get(tp);
      Long tail = retained.end().get(tp);
      if (head == null || tail == null) {
        throw new IllegalArgumentException(
            "source: '"
                + spec
                + "': topic '"
                + topic
                + "' has no partition "
                + tp.partition()
                + " (partitions: "
                + retained.end().keySet().stream().map(t -> t.partition()).sorted().toList()
                + "); name an existing partition, or use 'kafka' for every retained offset");
      }
      long a = first.get(tp);
      long b = end.get(tp);
      String partition =
          "source: '" + spec + "': partition " + tp.partition() + " of topic '" + topic + "'";
      if (b > tail) {
        throw new IllegalArgumentException(
            partition
                + " ends at offset "
                + tail
                + ", before the range's end "
                + b
                + " (expected: END <= "
                + tail
                + "; a bounded read would wait for offsets that are not written yet)");
      }
      if (a < head && a < b) {
        throw new IllegalArgumentException(
            partition
                + " retains offsets from "
                + head
                + " only, after the range's first offset "
                + a
                + " (expected: FIRST >= "
                + head
                + "; older records were deleted by retention)");
      }
    }
    return new KafkaRange(topic, first, end);
  }

  /**
   * Every offset the broker retains: the beginning and end offsets of each partition of a topic;
   * with a {@code notBeforeMs} other than {@link Long#MIN_VALUE}, from each partition's first
   * record with a timestamp at or after it.
   */
  private static KafkaRange retained(String topic, Properties kafka, long notBeforeMs) {
    Map<TopicPartition, Long> first = new TreeMap<>(KafkaRange::compare);
    Map<TopicPartition, Long> end = new TreeMap<>(KafkaRange::compare);
    Properties p = new Properties();
    p.putAll(kafka);
    p.putIfAbsent("default.api.timeout.ms", "15000");
    p.putIfAbsent("request.timeout.ms", "15000");
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(15));
      if (infos == null || infos.isEmpty()) {
        throw new IllegalArgumentException(
            "source: topic '" + topic + "' does not exist at " + p.get("bootstrap.servers"));
      }
      List<TopicPartition> tps = new ArrayList<>();
      infos.forEach(i -> tps.add(new TopicPartition(topic, i.partition())));
      first.putAll(c.beginningOffsets(tps, Duration.ofSeconds(15)));
      end.putAll(c.endOffsets(tps, Duration.ofSeconds(15)));
      if (notBeforeMs != Long.MIN_VALUE) {
        Map<TopicPartition, Long> at = new TreeMap<>(KafkaRange::compare);
        tps.forEach(tp -> at.put(tp, Math.max(0, notBeforeMs)));
        var found = c.offsetsForTimes(at, Duration.ofSeconds(15));
        for (TopicPartition tp : tps) {
          var o = found.get(tp);
          long cut = o == null ? end.get(tp) : o.offset();
          first.put(tp, Math.min(end.get(tp), Math.max(first.get(tp), cut)));
        }
      }
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      throw new IllegalArgumentException(
          "source: Kafka at "
              + p.get("bootstrap.servers")
              + " did not answer for topic '"
              + topic
              + "' ("
              + e.getMessage()
              + "); check kafka.bootstrap-servers or the source's bootstrap_servers");
    }
    return new KafkaRange(topic, first, end);
  }

  private static int compare(TopicPartition a, TopicPartition b) {
    int c = a.topic().compareTo(b.topic());
    return c != 0 ? c : Integer.compare(a.partition(), b.partition());
  }
}
