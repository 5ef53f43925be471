package dev.quiver.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import kafka.testkit.KafkaClusterTestKit;
import kafka.testkit.TestKitNodes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * A single-node KRaft Kafka broker in this JVM, from the Kafka test kit that ships with {@code
 * kafka_2.13}: up in a few seconds, nothing to install. It backs {@code quiver local} and the
 * integration tests and benchmarks of the jobs; its data lives in a temporary directory and is gone
 * when it stops. Replication factors are 1 (one broker), consumer-group rebalances start at once,
 * and auto-created topics get one partition.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private final KafkaClusterTestKit cluster;

  private EmbeddedKafka(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  /** Starts the broker and waits until it answers metadata requests. */
  public static EmbeddedKafka start() throws Exception {
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
    EmbeddedKafka kafka = new EmbeddedKafka(cluster);
    try {
      cluster.format();
      cluster.startup();
      kafka.awaitReady(Duration.ofSeconds(60));
      return kafka;
    } catch (Exception e) {
      kafka.close();
      throw e;
    }
  }

  /**
   * Waits until the broker answers metadata requests. (The test kit's own wait uses JUnit
   * assertions, which are not on the launcher's class path.)
   */
  private void awaitReady(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    try (Admin admin =
        Admin.create(
            Map.of("bootstrap.servers", bootstrapServers(), "request.timeout.ms", "5000"))) {
      while (System.nanoTime() < deadline) {
        try {
          if (!admin.describeCluster().nodes().get().isEmpty()) {
            return;
          }
        } catch (Exception e) {
          last = e;
        }
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException("the embedded Kafka broker did not start in " + timeout, last);
  }

  /** The {@code host:port} list clients connect to. */
  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  /**
   * Creates one topic (replication 1).
   *
   * @throws Exception when it exists already or the broker refuses it
   */
  public void createTopic(String name, int partitions) throws Exception {
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
    }
  }

  /**
   * Creates the topics that do not exist yet (replication 1); existing ones are left as they are.
   */
  public void ensureTopics(List<String> names, int partitions) throws Exception {
    try (Admin admin = admin()) {
      Set<String> existing = admin.listTopics().names().get();
      List<NewTopic> missing =
          names.stream()
              .distinct()
              .filter(n -> !existing.contains(n))
              .map(n -> new NewTopic(n, partitions, (short) 1))
              .toList();
      if (!missing.isEmpty()) {
        admin.createTopics(missing).all().get();
      }
    }
  }

  private Admin admin() {
    return Admin.create(Map.of("bootstrap.servers", bootstrapServers()));
  }

  @Override
  public void close() throws Exception {
    cluster.close();
  }
}
