package dev.quiver.core.offline;

import java.time.Instant;
import java.util.Map;

/**
 * A snapshot of one offline job's state.
 *
 * @param id the job id
 * @param kind {@code export} or {@code backfill}
 * @param state where the job is
 * @param progress 0..1; 1 when finished
 * @param rows rows written so far (or estimated, for a dry run)
 * @param output the output location (export directory, or {@code table@snapshot} for a backfill);
 *     null until known
 * @param error the failure message; null unless FAILED
 * @param details job-specific figures (snapshot id, tag, bytes, partitions, estimated seconds)
 */
public record JobStatus(
    String id,
    String kind,
    State state,
    double progress,
    long rows,
    String output,
    String error,
    Instant submittedAt,
    Instant finishedAt,
    Map<String, Object> details) {

  public JobStatus {
    details = details == null ? Map.of() : Map.copyOf(details);
  }

  /** Job lifecycle. */
  public enum State {
    QUEUED,
    RUNNING,
    SUCCEEDED,
    FAILED,
    /** Stopped by {@link OfflineService#cancel}; an export's partial output is deleted. */
    CANCELLED;

    public boolean isFinal() {
      return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
  }
}
