package dev.quiver.cli;

import dev.quiver.jobs.LocalFlink;
import org.apache.flink.api.common.JobStatus;

/**
 * What {@code quiver materialize} prints while Flink restarts its job: one warning when the job
 * first fails, nothing for the later restarts of the same episode, and one line once it has run for
 * {@code stableMillis} without failing again. Without it the command printed nothing for the
 * minutes its restarts can take ({@link LocalFlink#RESTART_POLICY}) and then, at most, exited 70.
 * Not thread-safe: one watcher thread feeds it.
 */
final class RestartNotice {
  private final String view;
  private final String log;
  private final long stableMillis;
  private long failingSince = -1;
  private long runningSince = -1;
  private int failures;
  private boolean down;

  RestartNotice(String view, String log, long stableMillis) {
    this.view = view;
    this.log = log;
    this.stableMillis = stableMillis;
  }

  /** One look at the job's status at {@code now} (ms); the line to print, or null. */
  String observe(JobStatus status, long now) {
    if (status == JobStatus.FAILING || status == JobStatus.RESTARTING) {
      runningSince = -1;
      if (!down) {
        down = true;
        failures++;
      }
      if (failingSince < 0) {
        failingSince = now;
        return "warning: the job of "
            + view
            + " failed; Flink is restarting it from its last checkpoint ("
            + LocalFlink.RESTART_POLICY
            + "). The cause is in "
            + log
            + "; this command exits 70 if the restarts run out.";
      }
      return null;
    }
    down = false;
    if (failingSince < 0 || status != JobStatus.RUNNING) {
      return null;
    }
    if (runningSince < 0) {
      runningSince = now;
    }
    if (now - runningSince < stableMillis) {
      return null;
    }
    String line =
        "the job of "
            + view
            + " is running again, "
            + Math.max(1, (now - failingSince) / 1000)
            + " s after it failed ("
            + failures
            + (failures == 1 ? " restart" : " restarts")
            + ").";
    failingSince = -1;
    runningSince = -1;
    failures = 0;
    return line;
  }
}
