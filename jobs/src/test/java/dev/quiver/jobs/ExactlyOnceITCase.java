package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.testing.IcebergRows;
import dev.quiver.jobs.testing.MaterializationHarness;
import dev.quiver.jobs.testing.OnlineReference;
import dev.quiver.jobs.testing.Reference;
import dev.quiver.jobs.testing.Transactions;
import dev.quiver.offline.OfflineTables;
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
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.iceberg.Table;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exactly-once effect: the job is killed mid-stream — by terminating its task manager (the job
 * restarts from its last checkpoint), and by a full stop followed by a new job restored from the
 * last retained checkpoint — and still ends with online values and Iceberg rows equal to the
 * reference: nothing lost, nothing counted twice.
 */
class ExactlyOnceITCase {
  @RegisterExtension static final MaterializationHarness harness = new MaterializationHarness();

  @TempDir Path tmp;

  @Test
  void taskManagerFailureRestartsFromCheckpoint() throws Exception {
    String topic = "txn-tm-failure";
    Scenario s = new Scenario(topic, tmp);
    MiniCluster cluster = harness.flink();
    JobClient job = harness.submit(s.jobGraph(null, true));
    s.produceFirstHalf();
    s.awaitSomeCommitted();
    cluster.terminateTaskManager(0).get();
    cluster.startTaskManager();
    s.produceSecondHalf();
    s.awaitAll();
    MaterializationHarness.stop(job);
    s.assertEqualsReference();
  }

  @Test
  void fullStopAndRestoreFromLastCheckpoint() throws Exception {
    String topic = "txn-stop-restore";
    Scenario s = new Scenario(topic, tmp);
    JobClient first = s.startLocal(null);
    s.produceFirstHalf();
    s.awaitSomeCommitted();
    // A full stop: every task of the first job has ended before restoring.
    MaterializationHarness.stop(first);
    Path checkpoint =
        latestCheckpoint(tmp.resolve("checkpoints").resolve(first.getJobID().toString()));
    s.produceSecondHalf();
    JobClient second = s.startLocal(checkpoint);
    s.awaitAll();
    MaterializationHarness.stop(second);
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
                harness.kafka().readAll(topic + ".dlq", false).stream()
                        .filter(
                            r ->
                                Long.parseLong(
                                        MaterializationHarness.header(r, "quiver.source.offset"))
                                    > firstHalfEnd)
                        .count()
                    >= 3);
    MaterializationHarness.stop(first);
    Path checkpoint =
        latestCheckpoint(tmp.resolve("checkpoints").resolve(first.getJobID().toString()));
    JobClient second = s.startLocal(checkpoint);
    s.awaitAll();
    MaterializationHarness.stop(second);
    s.assertEqualsReference();
    // the stop did catch dead letters in flight: their first copies are there, but aborted
    assertThat(harness.kafka().readAll(topic + ".dlq", false).size())
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
      this.online = MaterializationHarness.embedded(tmp.resolve("online"));
      QuiverConfig base = harness.config(tmp);
      this.config =
          checkpointInterval == null
              ? base
              : base.with(
                  JobOptions.CHECKPOINT_INTERVAL.key(), checkpointInterval.toSeconds() + "s");
      this.view = Transactions.view(topic, true, true);
      harness.createTopics(topic);
    }

    JobGraph jobGraph(Path restore, boolean restarts) {
      return MaterializationHarness.jobGraph(view, config, warehouse, online, restore, restarts);
    }

    JobClient startLocal(Path restore) throws Exception {
      return harness.submit(jobGraph(restore, false));
    }

    void produceFirstHalf() throws Exception {
      log.addAll(harness.produce(topic, records.subList(0, records.size() / 2)));
    }

    void produceSecondHalf() throws Exception {
      log.addAll(harness.produce(topic, records.subList(records.size() / 2, records.size())));
    }

    Reference reference() {
      return MaterializationHarness.reference(log);
    }

    Table table(HadoopCatalog c) {
      return c.loadTable(OfflineTables.identifier(view));
    }

    void awaitSomeCommitted() throws Exception {
      try (HadoopCatalog c = MaterializationHarness.catalog(warehouse)) {
        MaterializationHarness.awaitRows(table(c), 1, Duration.ofSeconds(60));
      }
    }

    void awaitAll() throws Exception {
      Reference ref = reference();
      try (HadoopCatalog c = MaterializationHarness.catalog(warehouse)) {
        MaterializationHarness.awaitRows(table(c), ref.accepted.size(), Duration.ofSeconds(60));
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  harness.kafka().readAll(topic + ".dlq").stream()
                          .map(r -> MaterializationHarness.header(r, "quiver.source.offset"))
                          .distinct()
                          .count()
                      >= ref.rejected.size());
    }

    void assertEqualsReference() throws Exception {
      Reference ref = reference();
      try (HadoopCatalog c = MaterializationHarness.catalog(warehouse)) {
        assertThat(IcebergRows.read(table(c))).isEqualTo(IcebergRows.expected(ref));
      }
      harness.assertDeadLetters(topic, log, ref);
      try (OnlineStore store = OnlineStores.open(MaterializationHarness.storeConfig(online))) {
        OnlineReference.assertOnlineEqualsReference(
            store, view, ref.accepted, OnlineReference.readTimes(ref.accepted));
      }
    }
  }
}
