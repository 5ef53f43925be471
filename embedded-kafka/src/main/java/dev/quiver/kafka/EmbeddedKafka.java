package dev.quiver.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import kafka.server.BrokerServer;
import kafka.testkit.KafkaClusterTestKit;
import kafka.testkit.TestKitNodes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.utils.Exit;

/**
 * A single-node KRaft Kafka broker in this JVM, from the Kafka test kit that ships with {@code
 * kafka_2.13}: up in a few seconds, nothing to install. It backs {@code quiver local} and the
 * integration tests and benchmarks of the jobs; its data lives in a temporary directory and is gone
 * when it stops. Replication factors are 1 (one broker), consumer-group rebalances start at once,
 * and auto-created topics get one partition.
 *
 * <p>The broker listens on a port fixed at start (a free one), so that {@link #stopBroker()} and
 * {@link #startBroker()} restart it in place, on the same port and log directory, as an operator
 * restarts a broker: clients configured with {@link #bootstrapServers()} reconnect to it. (The
 * KRaft controller, in the same node, stays up meanwhile.)
 */
public final class EmbeddedKafka implements AutoCloseable {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(EmbeddedKafka.class);

  private final KafkaClusterTestKit cluster;

  private EmbeddedKafka(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  /**
   * Kafka's {@code Exit.halt}/{@code Exit.exit}, which the broker calls when it gives up (e.g. its
   * only log directory failed), would end the whole process it is embedded in: the jobs and the
   * server too, and, during shutdown, with RocksDB's compaction threads still running, the JVM then
   * hangs in RocksDB's exit handlers (seen under load: {@code quiver local} never exited after
   * Ctrl-C). Embedded, the broker's fatal error is logged and thrown in the thread that hit it.
   */
  static {
    Exit.Procedure refuse =
        (code, message) -> {
          LOG.error("the embedded Kafka broker asked to end the process ({}): {}", code, message);
          throw new IllegalStateException(
              "the embedded Kafka broker asked to end the process (" + code + "): " + message);
        };
    Exit.setHaltProcedure(refuse);
    Exit.setExitProcedure(refuse);
  }

  /** Starts the broker and waits until it answers metadata requests. */
  public static EmbeddedKafka start() throws Exception {
    return start(Map.of());
  }

  /**
   * Starts the broker with these broker settings added to (or replacing) the defaults, e.g. {@code
   * auto.create.topics.enable=false} to behave like a production cluster in tests.
   */
  public static EmbeddedKafka start(Map<String, String> brokerSettings) throws Exception {
    // The free port chosen in build() may be taken by another process before the broker binds it
    // (a small window): then try again on another one.
    for (int attempt = 1; ; attempt++) {
      try {
        return startOnce(brokerSettings);
      } catch (Exception e) {
        if (attempt >= 3 || !portTaken(e)) {
          throw e;
        }
        LOG.info("the embedded Kafka broker's port was taken meanwhile; trying another");
      }
    }
  }

  private static boolean portTaken(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.BindException
          || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
        return true;
      }
    }
    return false;
  }

  private static EmbeddedKafka startOnce(Map<String, String> brokerSettings) throws Exception {
    // The test kit's temporary directories come with a JVM shutdown hook that deletes them, which
    // runs beside this process's own shutdown (quiver local's Ctrl-C): it deleted the log directory
    // under the running broker, which then halted the JVM. close() deletes the directory once the
    // broker is down, so the hooks are not registered.
    Exit.setShutdownHookAdder((name, hook) -> {});
    KafkaClusterTestKit cluster;
    try {
      cluster = build(brokerSettings);
    } finally {
      Exit.resetShutdownHookAdder();
    }
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

  private static KafkaClusterTestKit build(Map<String, String> brokerSettings) throws Exception {
    // A fixed client port (rather than the test kit's port 0) is what lets the broker restart in
    // place: on port 0 it would come back on another port, and every client would lose it.
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    KafkaClusterTestKit.Builder b =
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
            .setConfigProp(
                "listeners", "EXTERNAL://localhost:" + port + ",CONTROLLER://localhost:0");
    brokerSettings.forEach(b::setConfigProp);
    return b.build();
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

  /** The directory of the broker's logs and metadata; {@link #close()} deletes it. */
  public java.nio.file.Path baseDirectory() {
    return java.nio.file.Path.of(cluster.nodes().baseDirectory());
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
      awaitLeaders(admin, List.of(name));
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
        awaitLeaders(admin, missing.stream().map(NewTopic::name).toList());
      }
    }
  }

  /**
   * Waits until every partition of the topics has a leader in the broker's metadata: {@code
   * createTopics} completes when the controller has the topic, and a describe or produce a moment
   * later could still be told the broker does not host the partition (seen in a clean-clone test
   * run).
   */
  private static void awaitLeaders(Admin admin, List<String> names) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try {
        var topics = admin.describeTopics(names).allTopicNames().get();
        if (topics.values().stream()
            .allMatch(t -> t.partitions().stream().allMatch(p -> p.leader() != null))) {
          return;
        }
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)
            || System.nanoTime() > deadline) {
          throw e;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("topics " + names + " have no leader after 30 s");
      }
      Thread.sleep(50);
    }
  }

  /**
   * Stops the broker as a restart would (its log directory and port are kept; clients see it
   * disconnect). {@link #startBroker()} brings it back.
   */
  public void stopBroker() {
    for (BrokerServer broker : cluster.brokers().values()) {
      broker.shutdown();
      broker.awaitShutdown();
    }
  }

  /**
   * Starts the broker stopped by {@link #stopBroker()} on the same port and log directory, and
   * waits until it answers metadata requests and leads its partitions again.
   */
  public void startBroker() throws Exception {
    for (BrokerServer broker : cluster.brokers().values()) {
      broker.startup();
    }
    awaitReady(Duration.ofSeconds(60));
    try (Admin admin = admin()) {
      awaitLeaders(admin, List.copyOf(admin.listTopics().names().get()));
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
