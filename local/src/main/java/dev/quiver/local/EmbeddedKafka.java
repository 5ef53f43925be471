package dev.quiver.local;

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
 * kafka_2.13}: up in a few seconds, nothing to install. For {@code quiver local} only; its data
 * lives in a temporary directory and is gone when it stops.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private final KafkaClusterTestKit cluster;

  private EmbeddedKafka(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  /** Starts the broker and waits until it is ready. */
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
            .build();
    cluster.format();
    cluster.startup();
    EmbeddedKafka kafka = new EmbeddedKafka(cluster);
    kafka.awaitReady(Duration.ofSeconds(60));
    return kafka;
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

  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  /** Creates the topics that do not exist yet (one partition each, replication 1). */
  public void ensureTopics(List<String> names, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
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

  @Override
  public void close() throws Exception {
    cluster.close();
  }
}
