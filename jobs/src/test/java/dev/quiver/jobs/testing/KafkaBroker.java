package dev.quiver.jobs.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import kafka.testkit.KafkaClusterTestKit;
import kafka.testkit.TestKitNodes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** A real single-node KRaft Kafka broker, in process, for tests. */
public final class KafkaBroker implements AutoCloseable {
  private final KafkaClusterTestKit cluster;

  private KafkaBroker(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  public static KafkaBroker start() throws Exception {
    KafkaClusterTestKit cluster =
        new KafkaClusterTestKit.Builder(
                new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build())
            .setConfigProp("offsets.topic.replication.factor", "1")
            .setConfigProp("transaction.state.log.replication.factor", "1")
            .setConfigProp("transaction.state.log.min.isr", "1")
            .setConfigProp("group.initial.rebalance.delay.ms", "0")
            .setConfigProp("num.partitions", "1")
            .build();
    cluster.format();
    cluster.startup();
    cluster.waitForReadyBrokers();
    return new KafkaBroker(cluster);
  }

  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  public void createTopic(String name, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
    }
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
    p.put("bootstrap.servers", bootstrapServers());
    p.put(
        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
        committedOnly ? "read_committed" : "read_uncommitted");
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts =
          c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
              .map(i -> new TopicPartition(topic, i.partition()))
              .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
      long deadline = System.currentTimeMillis() + 10_000;
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))
          && System.currentTimeMillis() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      return out;
    }
  }

  /** Consumes {@code topic} from the beginning to its end and counts the records (bytes only). */
  public int countAll(String topic) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrapServers());
    p.put("max.poll.records", "5000");
    p.put("fetch.max.bytes", "52428800");
    int n = 0;
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts =
          c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
              .map(i -> new TopicPartition(topic, i.partition()))
              .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        n += c.poll(Duration.ofMillis(200)).count();
      }
    }
    return n;
  }

  @Override
  public void close() throws Exception {
    cluster.close();
  }
}
