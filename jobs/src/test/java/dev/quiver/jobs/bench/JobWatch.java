package dev.quiver.jobs.bench;

import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;

/**
 * Watches a benchmark's job between its polls: counts the restarts it sees (the job runs with the
 * restart strategy of {@code quiver materialize}) and ends the benchmark with the job's failure
 * once the job has stopped. Without it, a job that failed (an HBase write that timed out on a
 * loaded machine) left the bench measuring a dead job to its deadline: it printed "sustained
 * (hbase): 300 events/s" and then died on "MiniCluster is not yet running or has already been shut
 * down" when it cancelled the job, with the cause 600 log lines above and no JSON.
 */
final class JobWatch {
  private final JobClient job;
  private final String what;
  private int restarts;
  private boolean restarting;

  JobWatch(JobClient job, String what) {
    this.job = job;
    this.what = what;
  }

  /**
   * @throws IllegalStateException naming the job's failure when it is no longer running
   */
  void check() {
    JobStatus status;
    try {
      status = job.getJobStatus().get(30, TimeUnit.SECONDS);
    } catch (Exception | Error e) {
      status = null; // a per-job MiniCluster shuts down with its job: the status is gone too
    }
    if (status == JobStatus.RESTARTING) {
      if (!restarting) {
        restarts++;
        System.out.println(what + ": the job is restarting (restart " + restarts + ")");
      }
      restarting = true;
    } else {
      restarting = false;
    }
    if (status == null || status.isGloballyTerminalState()) {
      throw new IllegalStateException(
          what
              + ": the job stopped ("
              + (status == null ? "its cluster shut down" : status)
              + ") before the measurement ended, after "
              + restarts
              + " restart(s): "
              + failure()
              + "; nothing was measured (the job's stack trace is in the log above)");
    }
  }

  /** Restarts seen so far. */
  int restarts() {
    return restarts;
  }

  /** The job's failure: the first Quiver exception in its cause chain, else the root cause. */
  private String failure() {
    Throwable t;
    try {
      job.getJobExecutionResult().get(30, TimeUnit.SECONDS);
      return "it finished without an error";
    } catch (java.util.concurrent.ExecutionException e) {
      t = e.getCause();
    } catch (Exception e) {
      return "its result is unknown (" + e + ")";
    }
    Throwable root = t;
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c.getClass().getName().startsWith("dev.quiver.")) {
        return c.toString();
      }
      root = c;
    }
    return String.valueOf(root);
  }
}
