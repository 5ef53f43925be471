package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.jobs.testing.IcebergRows;
import dev.quiver.jobs.testing.KillScenario;
import dev.quiver.jobs.testing.MaterializationHarness;
import dev.quiver.jobs.testing.OnlineReference;
import dev.quiver.jobs.testing.Reference;
import dev.quiver.offline.OfflineTables;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job restored after the topic's retention deleted events it had not read (it was stopped for
 * longer than the retention): the events still in the topic are all read, from the oldest one
 * retained, whatever the view's startup mode. Before, a view starting at {@code latest} jumped to
 * the end of the topic (the Kafka source sets the consumer's {@code auto.offset.reset} from the
 * startup mode, and a restored offset older than the topic's first is out of range), silently
 * skipping every retained event it had not read. The events retention deleted are gone: the
 * reference is the log without them.
 */
class RetentionGapITCase {
  @RegisterExtension static final MaterializationHarness harness = new MaterializationHarness();

  @TempDir Path tmp;

  @Test
  void aRestoreBehindTheTopicsFirstOffsetReadsEveryRetainedEvent() throws Exception {
    KillScenario s =
        new KillScenario(
            harness,
            "txn-retention-gap",
            tmp,
            MaterializationHarness.embedded(tmp.resolve("online")),
            KillScenario.CHECKPOINT_INTERVAL);
    var latest = s.config.with(JobOptions.STARTING_OFFSETS.key(), "latest");
    JobClient first =
        harness.submit(
            MaterializationHarness.jobGraph(s.view, latest, s.warehouse, s.online, null, true));
    // a job at latest reads what arrives once its source has started: wait for that, then send
    Thread.sleep(5_000);
    s.produceFirstHalf();
    s.awaitSomeCommitted();
    Reference firstHalf = s.reference();
    try (HadoopCatalog c = MaterializationHarness.catalog(s.warehouse)) {
      MaterializationHarness.awaitRows(
          c.loadTable(OfflineTables.identifier(s.view)),
          firstHalf.accepted.size(),
          Duration.ofSeconds(120));
    }
    MaterializationHarness.stop(first);
    Path checkpoint = s.latestCheckpoint(first);
    long restoredFrom = s.log.stream().mapToLong(Reference.Sent::offset).max().orElseThrow() + 1;
    s.produceSecondHalf();
    // retention deletes the oldest 20 events the stopped job had not read
    long firstRetained = restoredFrom + 20;
    try (Admin admin =
        Admin.create(Map.of("bootstrap.servers", harness.kafka().bootstrapServers()))) {
      admin
          .deleteRecords(
              Map.of(new TopicPartition(s.topic, 0), RecordsToDelete.beforeOffset(firstRetained)))
          .all()
          .get();
    }
    s.log.removeIf(e -> e.offset() >= restoredFrom && e.offset() < firstRetained);

    JobClient second =
        harness.submit(
            MaterializationHarness.jobGraph(
                s.view, latest, s.warehouse, s.online, checkpoint, true));
    s.awaitAll();
    MaterializationHarness.stop(second);

    List<Reference.Sent> all;
    synchronized (s.log) {
      all = List.copyOf(s.log);
    }
    Reference ref = MaterializationHarness.reference(all);
    try (HadoopCatalog c = MaterializationHarness.catalog(s.warehouse)) {
      assertThat(IcebergRows.read(c.loadTable(OfflineTables.identifier(s.view))))
          .isEqualTo(IcebergRows.expected(ref));
    }
    harness.assertDeadLetters(s.topic, all, ref);
    try (OnlineStore store = OnlineStores.open(MaterializationHarness.storeConfig(s.online))) {
      OnlineReference.assertOnlineEqualsReference(
          store, s.view, ref.accepted, OnlineReference.readTimes(ref.accepted));
    }
  }
}
