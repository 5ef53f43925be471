package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.testing.MaterializationHarness;
import dev.quiver.jobs.testing.Reference;
import dev.quiver.jobs.testing.Transactions;
import dev.quiver.offline.OfflineTables;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.iceberg.Table;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job started before its topic exists waits for it, as {@code quiver materialize} promises
 * ("topic '...' does not exist yet at ...; the job waits for it"), and reads it once it is created.
 * Found in the session 11 QA pass: the Kafka source subscribed by name failed the job with {@code
 * UnknownTopicOrPartitionException} ("Failed to list subscribed topic partitions"), and {@code
 * quiver materialize} exited with "the job failed" once its restarts were spent. Real KRaft broker,
 * job on a MiniCluster without restarts (so a failure is not hidden by one), Iceberg on a temp dir.
 */
class TopicCreatedLaterITCase {
  @RegisterExtension static final MaterializationHarness harness = new MaterializationHarness();

  @TempDir Path tmp;

  @Test
  void aJobStartedBeforeItsTopicWaitsAndThenReadsIt() throws Exception {
    FeatureView view = Transactions.view("created_later", false, true);
    Path warehouse = tmp.resolve("warehouse");
    JobClient job = harness.start(view, harness.config(tmp), warehouse, Map.of(), null);
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> job.getJobStatus().get() == JobStatus.RUNNING);
      Thread.sleep(5_000); // the source's enumerator has asked for the topic by now
      assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);

      harness.createTopics("created_later");
      List<Reference.Sent> log =
          harness.produce("created_later", Transactions.generate(500, 7).subList(0, 500));
      Reference ref = MaterializationHarness.reference(log);
      try (HadoopCatalog catalog = MaterializationHarness.catalog(warehouse)) {
        Table table = catalog.loadTable(OfflineTables.identifier(view));
        MaterializationHarness.awaitRows(table, ref.accepted.size(), Duration.ofSeconds(90));
      }
      assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    } finally {
      MaterializationHarness.stop(job);
    }
  }
}
