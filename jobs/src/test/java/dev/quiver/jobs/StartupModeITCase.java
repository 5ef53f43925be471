package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Source;
import dev.quiver.jobs.testing.IcebergRows;
import dev.quiver.jobs.testing.MaterializationHarness;
import dev.quiver.jobs.testing.Reference;
import dev.quiver.jobs.testing.Transactions;
import dev.quiver.offline.OfflineTables;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
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
 * A Kafka source's {@code startup_mode: latest} (spec-reference.md, Source options) makes a job
 * without a checkpoint start at the end of its topic. Before: the spec accepted the option and the
 * job ignored it, reading the whole topic from the beginning ({@code jobs.starting-offsets},
 * default earliest). Real KRaft broker, Flink MiniCluster, Iceberg on a temp dir.
 */
class StartupModeITCase {
  @RegisterExtension static final MaterializationHarness harness = new MaterializationHarness();

  @TempDir Path tmp;

  @Test
  void aLatestSourceSkipsWhatTheTopicHeldBeforeTheJobStarted() throws Exception {
    String topic = "startup_latest";
    FeatureView plain = Transactions.view(topic, false, true);
    Source s = plain.source();
    Map<String, String> options = new HashMap<>(s.options());
    options.put("startup_mode", "latest");
    FeatureView view =
        plain.withSource(
            new Source(
                s.namespace(),
                s.name(),
                s.kind(),
                s.schema(),
                s.eventTimeField(),
                s.dedupKey(),
                s.watermarkDelay(),
                options));
    harness.createTopics(topic);
    harness.produce(topic, Transactions.generateChunk(0, 300, 11, 30)); // before the job

    Path warehouse = tmp.resolve("warehouse");
    JobClient job = harness.start(view, harness.config(tmp), warehouse, Map.of(), null);
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> job.getJobStatus().get() == JobStatus.RUNNING);
      Thread.sleep(5_000); // the reader has looked up the end of the partitions by now

      List<Reference.Sent> after =
          harness.produce(topic, Transactions.generateChunk(300, 300, 11, 30));
      Reference ref = MaterializationHarness.reference(after);
      try (HadoopCatalog catalog = MaterializationHarness.catalog(warehouse)) {
        Table table = catalog.loadTable(OfflineTables.identifier(view));
        MaterializationHarness.awaitRows(table, ref.accepted.size(), Duration.ofSeconds(90));
        Thread.sleep(3_000); // three more checkpoints: anything read before would be committed
        table.refresh();
        assertThat(IcebergRows.read(table))
            .containsExactlyInAnyOrderElementsOf(IcebergRows.expected(ref));
      }
    } finally {
      MaterializationHarness.stop(job);
    }
  }
}
