package dev.quiver.jobs;

import static dev.quiver.jobs.MaterializationITCase.assertDeadLetters;
import static dev.quiver.jobs.MaterializationITCase.catalog;
import static dev.quiver.jobs.MaterializationITCase.expectedRows;
import static dev.quiver.jobs.MaterializationITCase.icebergRows;
import static dev.quiver.jobs.MaterializationITCase.produce;
import static dev.quiver.jobs.MaterializationITCase.storeConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.plan.JobPlanner;
import dev.quiver.jobs.plan.MaterializationPlan;
import dev.quiver.jobs.testing.KafkaBroker;
import dev.quiver.jobs.testing.OnlineReference;
import dev.quiver.jobs.testing.Reference;
import dev.quiver.jobs.testing.Transactions;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exactly-once effect: the job is killed mid-stream — by terminating its task manager (the job
 * restarts from its last checkpoint), and by a full stop followed by a new job restored from the
 * last retained checkpoint — and still ends with online values and Iceberg rows equal to the
 * reference: nothing lost, nothing counted twice.
 */
class ExactlyOnceITCase {
  static KafkaBroker kafka;

  @TempDir Path tmp;

  @BeforeAll
  static void startKafka() throws Exception {
    kafka = KafkaBroker.start();
    MaterializationITCase.kafka = kafka;
  }

  @AfterAll
  static void stopKafka() throws Exception {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void taskManagerFailureRestartsFromCheckpoint() throws Exception {
    String topic = "txn-tm-failure";
    Scenario s = new Scenario(topic, tmp);
    Configuration conf = LocalFlink.configuration(s.config, null, true);
    MiniCluster cluster =
        new MiniCluster(
            new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(4)
                .build());
    cluster.start();
    try {
      JobGraph graph = s.jobGraph(conf, null);
      JobID id = cluster.submitJob(graph).get().getJobID();
      s.produceFirstHalf();
      s.awaitSomeCommitted();
      cluster.terminateTaskManager(0).get();
      cluster.startTaskManager();
      s.produceSecondHalf();
      s.awaitAll();
      cluster.cancelJob(id).get();
    } finally {
      cluster.close();
    }
    s.assertEqualsReference();
  }

  @Test
  void fullStopAndRestoreFromLastCheckpoint() throws Exception {
    String topic = "txn-stop-restore";
    Scenario s = new Scenario(topic, tmp);
    JobClient first = s.startLocal(null);
    s.produceFirstHalf();
    s.awaitSomeCommitted();
    first.cancel().get();
    // A full stop: wait until every task of the first job has ended before restoring.
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              try {
                return first.getJobStatus().get().isGloballyTerminalState();
              } catch (Exception gone) {
                return true; // the per-job MiniCluster has shut down with it
              }
            });
    Path checkpoint =
        latestCheckpoint(tmp.resolve("checkpoints").resolve(first.getJobID().toString()));
    s.produceSecondHalf();
    JobClient second = s.startLocal(checkpoint);
    s.awaitAll();
    second.cancel().get();
    s.assertEqualsReference();
  }

  /**
   * Dead letters are written in Kafka transactions committed on checkpoints: the job is stopped
   * after it has sent dead letters of the second half but before the next checkpoint, and restored
   * from the last one. The restored job rejects those records again; the first job's copies stay in
   * the topic but in an aborted transaction, so a {@code read_committed} consumer sees each
   * rejected record exactly once (checked by {@code assertDeadLetters}).
   */
  @Test
  void deadLettersAreWrittenOnceAcrossStopAndRestore() throws Exception {
    String topic = "txn-dlq-once";
    Scenario s = new Scenario(topic, tmp, Duration.ofSeconds(10));
    JobClient first = s.startLocal(null);
    s.produceFirstHalf();
    s.awaitSomeCommitted(); // a checkpoint has just completed; the next one is ~10 s away
    long firstHalfEnd = s.log.stream().mapToLong(Reference.Sent::offset).max().orElseThrow();
    s.produceSecondHalf();
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                kafka.readAll(topic + ".dlq", false).stream()
                        .filter(
                            r ->
                                Long.parseLong(
                                        MaterializationITCase.header(r, "quiver.source.offset"))
                                    > firstHalfEnd)
                        .count()
                    >= 3);
    first.cancel().get();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              try {
                return first.getJobStatus().get().isGloballyTerminalState();
              } catch (Exception gone) {
                return true;
              }
            });
    Path checkpoint =
        latestCheckpoint(tmp.resolve("checkpoints").resolve(first.getJobID().toString()));
    JobClient second = s.startLocal(checkpoint);
    s.awaitAll();
    second.cancel().get();
    s.assertEqualsReference();
    // the stop did catch dead letters in flight: their first copies are there, but aborted
    assertThat(kafka.readAll(topic + ".dlq", false).size())
        .as("dead letters incl. aborted transactions")
        .isGreaterThan(s.reference().rejected.size());
  }

  static Path latestCheckpoint(Path jobDir) throws IOException {
    try (Stream<Path> dirs = Files.list(jobDir)) {
      return dirs.filter(p -> p.getFileName().toString().startsWith("chk-"))
          .filter(p -> Files.exists(p.resolve("_metadata")))
          .max(
              Comparator.comparingInt(
                  p -> Integer.parseInt(p.getFileName().toString().substring(4))))
          .orElseThrow(() -> new AssertionError("no completed checkpoint in " + jobDir));
    }
  }

  /** One topic, its generated log split in two halves, and the job's stores. */
  static final class Scenario {
    final String topic;
    final Path warehouse;
    final Map<String, String> online;
    final QuiverConfig config;
    final FeatureView view;
    final List<Transactions.Record> records = Transactions.generate(900, 7);
    final List<Reference.Sent> log = new ArrayList<>();

    Scenario(String topic, Path tmp) throws Exception {
      this(topic, tmp, null);
    }

    Scenario(String topic, Path tmp, Duration checkpointInterval) throws Exception {
      this.topic = topic;
      this.warehouse = tmp.resolve("warehouse");
      this.online = MaterializationITCase.embedded(tmp.resolve("online"));
      QuiverConfig base = MaterializationITCase.config(tmp);
      this.config =
          checkpointInterval == null
              ? base
              : base.with(
                  JobOptions.CHECKPOINT_INTERVAL.key(), checkpointInterval.toSeconds() + "s");
      this.view = Transactions.view(topic, true, true);
      kafka.createTopic(topic, 1);
      kafka.createTopic(topic + ".dlq", 1);
      try (HadoopCatalog c = catalog(warehouse)) {
        dev.quiver.offline.OfflineTables.ensureTable(c, view, Transactions.keys());
      }
    }

    MaterializationPlan plan() {
      return new JobPlanner(MaterializationITCase.settings(warehouse, online))
          .plan(view, Transactions.keys());
    }

    JobGraph jobGraph(Configuration conf, Path restore) {
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
      StreamingPipeline.build(env, plan(), config);
      JobGraph graph = env.getStreamGraph().getJobGraph();
      if (restore != null) {
        graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(restore.toString()));
      }
      return graph;
    }

    JobClient startLocal(Path restore) throws Exception {
      StreamExecutionEnvironment env =
          LocalFlink.localEnvironment(LocalFlink.configuration(config, restore, false));
      StreamingPipeline.build(env, plan(), config);
      return env.executeAsync("exactly-once-" + topic);
    }

    void produceFirstHalf() throws Exception {
      log.addAll(produce(topic, records.subList(0, records.size() / 2)));
    }

    void produceSecondHalf() throws Exception {
      log.addAll(produce(topic, records.subList(records.size() / 2, records.size())));
    }

    Reference reference() {
      return new Reference(
          log, Transactions.WATERMARK_DELAY.toMillis(), Transactions.LATENESS.toMillis());
    }

    Table table(HadoopCatalog c) {
      return c.loadTable(TableIdentifier.of(Namespace.of("default"), "user_txn_v1"));
    }

    void awaitSomeCommitted() throws Exception {
      try (HadoopCatalog c = catalog(warehouse)) {
        Table t = table(c);
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(300))
            .until(() -> !icebergRows(t).isEmpty());
      }
    }

    void awaitAll() throws Exception {
      Reference ref = reference();
      try (HadoopCatalog c = catalog(warehouse)) {
        Table t = table(c);
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(300))
            .until(() -> icebergRows(t).size() >= ref.accepted.size());
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  kafka.readAll(topic + ".dlq").stream()
                          .map(r -> MaterializationITCase.header(r, "quiver.source.offset"))
                          .distinct()
                          .count()
                      >= ref.rejected.size());
    }

    void assertEqualsReference() throws Exception {
      Reference ref = reference();
      try (HadoopCatalog c = catalog(warehouse)) {
        assertThat(icebergRows(table(c))).isEqualTo(expectedRows(ref));
      }
      assertDeadLetters(topic, log, ref);
      try (OnlineStore store = OnlineStores.open(storeConfig(online))) {
        OnlineReference.assertOnlineEqualsReference(
            store, view, ref.accepted, OnlineReference.readTimes(ref.accepted));
      }
    }
  }
}
