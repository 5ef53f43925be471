package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.quiver.jobs.testing.IcebergRows;
import dev.quiver.jobs.testing.KillScenario;
import dev.quiver.jobs.testing.MaterializationHarness;
import dev.quiver.offline.OfflineTables;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.executiongraph.ErrorInfo;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory the job cannot write (a file where the directory should be: the same failure,
 * for the job, as a read-only or full disk, and one a test can make as any user): the job fails
 * with an error naming the path, restarts from its last checkpoint with backoff while the condition
 * lasts, commits nothing meanwhile (no silent loss), and once the path is usable again ends with
 * online values, Iceberg rows and dead letters equal to the reference.
 */
class DataDirFaultITCase {
  @RegisterExtension static final MaterializationHarness harness = new MaterializationHarness();

  @TempDir Path tmp;

  /** The Iceberg table's data directory is blocked mid-stream, after some commits. */
  @Test
  void icebergDataDirectoryBlockedMidStream() throws Exception {
    KillScenario s = scenario("txn-warehouse-blocked", tmp.resolve("online"));
    JobClient job = s.startLocal(null);
    s.produceFirstHalf();
    s.awaitSomeCommitted();
    Path data;
    try (HadoopCatalog c = MaterializationHarness.catalog(s.warehouse)) {
      data = Path.of(URI.create(c.loadTable(OfflineTables.identifier(s.view)).location()));
    }
    data = data.resolve("data");
    Path aside = data.resolveSibling("data.aside");
    Files.move(data, aside);
    Files.writeString(data, "in the way");
    s.produceSecondHalf();
    String cause = awaitRestartCause(job);
    assertThat(cause).as(cause).contains(data.toString());
    // what quiver materialize and quiver local add to this failure: the fix
    assertThat(
            DataDirFailure.fixFor(
                harness
                    .flink()
                    .getExecutionGraph(job.getJobID())
                    .get()
                    .getFailureInfo()
                    .getException()))
        .isEqualTo(DataDirFailure.FIX);
    long committed = committedRows(s);
    Thread.sleep(5_000);
    assertThat(committedRows(s)).as("nothing committed while blocked").isEqualTo(committed);

    Files.delete(data);
    Files.move(aside, data);
    s.awaitAll();
    assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    MaterializationHarness.stop(job);
    s.assertEqualsReference();
  }

  /**
   * The embedded online store's directory is blocked when the job starts: the sink's error names
   * the file in the way and the option to set; once the file is gone the job runs.
   */
  @Test
  void onlineStoreDirectoryBlockedAtStart() throws Exception {
    Path online = tmp.resolve("online");
    Files.writeString(online, "in the way");
    KillScenario s = scenario("txn-online-blocked", online);
    JobClient job = s.startLocal(null);
    s.produceFirstHalf();
    String cause = awaitRestartCause(job);
    assertThat(cause)
        .as(cause)
        .contains("cannot open the embedded online store at " + online)
        .contains(online + " is a file, not a directory")
        .contains("set online.embedded.path");
    Files.delete(online);
    s.produceSecondHalf();
    s.awaitAll();
    MaterializationHarness.stop(job);
    s.assertEqualsReference();
  }

  private static KillScenario scenario(String topic, Path online) throws Exception {
    return new KillScenario(
        harness,
        topic,
        online.getParent(),
        MaterializationHarness.embedded(online),
        KillScenario.CHECKPOINT_INTERVAL);
  }

  /** Waits until the job has failed and is restarting; the failure's trace. */
  private static String awaitRestartCause(JobClient job) {
    String[] cause = {null};
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              var graph = harness.flink().getExecutionGraph(job.getJobID()).get();
              ErrorInfo failure = graph.getFailureInfo();
              if (graph.getStatusTimestamp(JobStatus.RESTARTING) > 0 && failure != null) {
                cause[0] = failure.getExceptionAsString();
                return true;
              }
              return false;
            });
    return cause[0];
  }

  private static long committedRows(KillScenario s) throws Exception {
    try (HadoopCatalog c = MaterializationHarness.catalog(s.warehouse)) {
      return IcebergRows.count(c.loadTable(OfflineTables.identifier(s.view)));
    }
  }
}
