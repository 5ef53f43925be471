package dev.quiver.local;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.JobException;
import org.apache.flink.runtime.clusterframework.ApplicationStatus;
import org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.util.SerializedThrowable;
import org.junit.jupiter.api.Test;

/** The console line of a {@code quiver local} job that ended, as its JobResult gives the cause. */
class MaterializationJobsTest {
  @Test
  void aJobWhoseRestartsRanOutNamesItsViewTheCauseAndWhatToDo() {
    // what the reviewer's loaded machine gave: restarts exhausted, no slots
    Throwable cause =
        new JobException(
            "Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=10, backoffTimeMS=1000)",
            new NoResourceAvailableException(
                "Could not acquire the minimum required resources.",
                new java.util.concurrent.TimeoutException("Timeout has occurred: 300000 ms")));
    JobResult failed =
        new JobResult.Builder()
            .jobId(new JobID())
            .applicationStatus(ApplicationStatus.FAILED)
            .serializedThrowable(new SerializedThrowable(cause))
            .netRuntime(1)
            .build();
    assertThat(MaterializationJobs.endedLine("default.user_activity:v1", failed, null))
        .isEqualTo(
            "ERROR: the materialization job of default.user_activity:v1 is FAILED:"
                + " NoResourceAvailableException: Could not acquire the minimum required resources."
                + " (caused by TimeoutException: Timeout has occurred: 300000 ms)."
                + " Its lookups keep answering the last values written (their ts stops advancing)."
                + " Restart quiver local (make run) to run it again: the restart starts over with"
                + " empty stores and a new broker, and sets this run's data aside in"
                + " previous-run/.");
  }
}
