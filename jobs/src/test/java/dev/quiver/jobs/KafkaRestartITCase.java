package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.jobs.testing.KillScenario;
import dev.quiver.jobs.testing.MaterializationHarness;
import java.nio.file.Path;
import java.util.concurrent.Future;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka broker restarted in place (same port, same log directory) while the view's job reads
 * its topic and writes dead letters: the job carries on (or restarts from its last checkpoint) and
 * ends with online values, Iceberg rows and dead letters equal to the plain reference, nothing lost
 * and nothing counted twice. The broker goes down while the second half is still being produced
 * (the producer's retries carry its sends across the outage, idempotently).
 */
class KafkaRestartITCase {
  @RegisterExtension static final MaterializationHarness harness = new MaterializationHarness();

  @TempDir Path tmp;

  @Test
  void brokerRestartMidStreamLosesAndDoublesNothing() throws Exception {
    KillScenario s =
        new KillScenario(
            harness,
            "txn-broker-restart",
            tmp,
            MaterializationHarness.embedded(tmp.resolve("online")),
            KillScenario.CHECKPOINT_INTERVAL);
    JobClient job = s.startLocal(null);
    s.produceFirstHalf();
    s.awaitSomeCommitted();
    Future<Void> rest = s.produceSecondHalfSlowly();
    s.awaitMidSecondHalf();
    KillScenario.assertStillProducing(rest);
    long down = System.nanoTime();
    harness.kafka().stopBroker();
    // longer than a checkpoint interval: a checkpoint (and its dead-letter transaction's commit)
    // falls into the outage
    Thread.sleep(2 * KillScenario.CHECKPOINT_INTERVAL.toMillis());
    harness.kafka().startBroker();
    long outageMs = (System.nanoTime() - down) / 1_000_000;
    rest.get();
    s.awaitAll();
    assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    long restarted =
        harness
            .flink()
            .getExecutionGraph(job.getJobID())
            .get()
            .getStatusTimestamp(JobStatus.RESTARTING);
    System.out.printf(
        "broker restart: down %d ms; the job %s%n",
        outageMs, restarted > 0 ? "restarted from its checkpoint" : "did not restart");
    MaterializationHarness.stop(job);
    s.assertEqualsReference();
  }
}
