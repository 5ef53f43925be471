package dev.quiver.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.online.OnlineStoreException;
import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;

class JobWatchTest {
  /** A job client whose status is {@code status} and whose result is {@code result}. */
  static JobClient job(
      Supplier<CompletableFuture<JobStatus>> status, CompletableFuture<Object> result) {
    return (JobClient)
        Proxy.newProxyInstance(
            JobClient.class.getClassLoader(),
            new Class<?>[] {JobClient.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "getJobStatus" -> status.get();
                  case "getJobExecutionResult" -> result;
                  default -> throw new UnsupportedOperationException(method.getName());
                });
  }

  @Test
  void aRunningJobPassesAndRestartsAreCounted() {
    JobStatus[] now = {JobStatus.RUNNING};
    JobWatch watch =
        new JobWatch(
            job(() -> CompletableFuture.completedFuture(now[0]), new CompletableFuture<>()),
            "ingest-hbase");
    watch.check();
    now[0] = JobStatus.RESTARTING;
    watch.check();
    watch.check(); // the same restart, seen twice
    now[0] = JobStatus.RUNNING;
    watch.check();
    now[0] = JobStatus.RESTARTING;
    watch.check();
    assertThat(watch.restarts()).isEqualTo(2);
  }

  @Test
  void aFailedJobEndsTheBenchNamingItsCause() {
    CompletableFuture<Object> failed = new CompletableFuture<>();
    failed.completeExceptionally(
        new RuntimeException(
            "Job execution failed.",
            new RuntimeException(
                "timer",
                new OnlineStoreException(
                    "HBase multiPut of 42 cells on quiver_ingest_bench failed",
                    new RuntimeException("CallTimeoutException")))));
    // the per-job MiniCluster has shut down with its job: asking for the status throws
    JobWatch watch =
        new JobWatch(
            job(
                () -> {
                  throw new IllegalStateException(
                      "MiniCluster is not yet running or has already been shut down.");
                },
                failed),
            "ingest-hbase");
    assertThatThrownBy(watch::check)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(
            "ingest-hbase: the job stopped (its cluster shut down) before the measurement ended")
        .hasMessageContaining(
            "dev.quiver.online.OnlineStoreException: HBase multiPut of 42 cells on"
                + " quiver_ingest_bench failed");
    JobWatch failedStatus =
        new JobWatch(
            job(() -> CompletableFuture.completedFuture(JobStatus.FAILED), failed), "ingest");
    assertThatThrownBy(failedStatus::check).hasMessageContaining("the job stopped (FAILED)");
  }
}
