package dev.quiver.jobs.testing;

import dev.quiver.kafka.EmbeddedKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The jobs' tests' view of a real single-node KRaft broker in process: the launcher is {@link
 * EmbeddedKafka} (shared with {@code quiver local}); this adds the test-side readers of what a job
 * wrote.
 */
public final class KafkaBroker implements AutoCloseable {
  private final EmbeddedKafka kafka;

  private KafkaBroker(EmbeddedKafka kafka) {
    this.kafka = kafka;
  }

  public static KafkaBroker start() throws Exception {
    return new KafkaBroker(EmbeddedKafka.start());
  }

  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  /** Stops the broker in place (port and log directory kept); see {@link #startBroker()}. */
  public void stopBroker() {
    kafka.stopBroker();
  }

  /** Starts the broker stopped by {@link #stopBroker()} again, on the same port and log dir. */
  public void startBroker() throws Exception {
    kafka.startBroker();
  }

  public void createTopic(String name, int partitions) throws Exception {
    kafka.createTopic(name, partitions);
  }

  /**
   * Reads every committed record currently in {@code topic} (all partitions, from the beginning),
   * as a {@code read_committed} consumer.
   */
  public List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
    return readAll(topic, true);
  }

  /**
   * Reads every record currently in {@code topic}; with {@code committedOnly} false, also those of
   * open and aborted transactions ({@code read_uncommitted}).
   */
  public List<ConsumerRecord<byte[], byte[]>> readAll(String topic, boolean committedOnly) {
    Properties p = new Properties();
    p.put(
        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
        committedOnly ? "read_committed" : "read_uncommitted");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    drain(topic, p, Duration.ofSeconds(10), records -> records.forEach(out::add));
    return out;
  }

  /** Consumes {@code topic} from the beginning to its end and counts the records (bytes only). */
  public int countAll(String topic) {
    Properties p = new Properties();
    p.put("max.poll.records", "5000");
    p.put("fetch.max.bytes", "52428800");
    int[] n = {0};
    drain(topic, p, null, records -> n[0] += records.count());
    return n[0];
  }

  /**
   * Polls every partition of {@code topic} from its beginning to its end offset as of now, handing
   * each batch to {@code sink}; gives up after {@code timeout} when one is given.
   */
  private void drain(
      String topic,
      Properties settings,
      Duration timeout,
      Consumer<ConsumerRecords<byte[], byte[]>> sink) {
    Properties p = new Properties();
    p.putAll(settings);
    p.put("bootstrap.servers", bootstrapServers());
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts =
          c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
              .map(i -> new TopicPartition(topic, i.partition()))
              .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long deadline =
          timeout == null ? Long.MAX_VALUE : System.currentTimeMillis() + timeout.toMillis();
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))
          && System.currentTimeMillis() < deadline) {
        sink.accept(c.poll(Duration.ofMillis(200)));
      }
    }
  }

  @Override
  public void close() throws Exception {
    kafka.close();
  }
}
