package dev.quiver.local;

import java.time.Duration;

/**
 * One materialization job's failures as the console tells them: the first failure of an episode
 * prints one line (the job is restarting), the later restarts of the same episode print nothing,
 * and the job running again, with every task running for {@code stable} and no new failure, prints
 * one line and ends the episode. Flink restarts a failed job by itself (exponential delay, {@link
 * LocalRuntime#clusterConfiguration}), each attempt a new failure with a new timestamp; only the
 * end of all attempts (FAILED) is a job result, which {@link MaterializationJobs#endedLine}
 * reports. Not thread-safe: one watcher thread feeds it.
 */
final class RestartEpisode {
  private final String view;
  private final String log;
  private final Duration stable;
  private long seenFailure;
  private long started = -1;
  private long upSince = -1;
  private int failures;

  /**
   * @param view the job's view ({@code namespace.name:vN})
   * @param log where the full traces are (a file, or a description)
   * @param stable how long a job runs with every task running before it counts as recovered
   */
  RestartEpisode(String view, String log, Duration stable) {
    this.view = view;
    this.log = log;
    this.stable = stable;
  }

  /**
   * One look at the job; returns the console line to print, or null.
   *
   * @param running whether the job is RUNNING with every task running
   * @param failureTime the timestamp of its last failure (0: none yet)
   * @param cause that failure's cause, one line
   * @param now the current time, ms
   */
  String observe(boolean running, long failureTime, String cause, long now) {
    if (failureTime > seenFailure) {
      seenFailure = failureTime;
      failures++;
      upSince = -1;
      if (started < 0) {
        started = failureTime;
        return restartingLine(cause);
      }
    }
    if (started < 0) {
      return null;
    }
    if (!running) {
      upSince = -1;
      return null;
    }
    if (upSince < 0) {
      upSince = now;
    }
    if (now - upSince < stable.toMillis()) {
      return null;
    }
    String line = recoveredLine(now);
    started = -1;
    upSince = -1;
    failures = 0;
    return line;
  }

  /** Whether a failure episode is going on (a failure not yet followed by a recovery). */
  boolean failing() {
    return started >= 0;
  }

  private String restartingLine(String cause) {
    return "WARN: the materialization job of "
        + view
        + " failed"
        + (cause == null
            ? ""
            : ": " + (cause.endsWith(".") ? cause.substring(0, cause.length() - 1) : cause))
        + ". Flink is restarting it ("
        + LocalRuntime.RESTART_POLICY
        + "); meanwhile its lookups answer the last values written. The full trace is in "
        + log
        + "; GET /v1/health shows the job's state.";
  }

  private String recoveredLine(long now) {
    return "INFO: the materialization job of "
        + view
        + " recovered: running again, "
        + Math.max(1, (now - started) / 1000)
        + " s after it failed ("
        + failures
        + (failures == 1 ? " failure" : " failures")
        + "). Its values advance again.";
  }
}
