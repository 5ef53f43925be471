package dev.quiver.core.offline;

import java.util.List;

/**
 * Long-running offline work (training-set exports, backfills) as jobs, for the REST service and the
 * CLI. Implementations run jobs on their own threads; every method is thread-safe and returns
 * without waiting for a job to finish.
 */
public interface OfflineService extends AutoCloseable {

  /**
   * Validates and queues an export.
   *
   * @return the job id, never null
   * @throws IllegalArgumentException when the request is invalid (unknown feature, missing label
   *     file), with a message naming the field; nothing is queued then
   */
  String submitExport(ExportRequest request);

  /**
   * Validates and queues a backfill (or, with {@code dryRun}, its estimate).
   *
   * @return the job id, never null
   * @throws IllegalArgumentException when the request is invalid, naming the field
   */
  String submitBackfill(BackfillRequest request);

  /**
   * The current status of a job.
   *
   * @throws java.util.NoSuchElementException when no job has that id (message names the id)
   */
  JobStatus status(String jobId);

  /**
   * Prepares the service's first job in the background, once, when a long-running server starts
   * ({@code quiver serve}); never delays the caller, and a failure only logs. The default does
   * nothing.
   */
  default void warmUp() {}

  /**
   * Cancels a queued or running job: a queued one never starts; a running one has its Flink job
   * cancelled and an export's partial output (its parts and manifest) deleted. Waits a few seconds
   * for the job to stop and returns its status then: {@code CANCELLED}, or (rarely) the state it
   * reached on its own while being cancelled.
   *
   * @throws java.util.NoSuchElementException when no job has that id
   * @throws IllegalStateException when the job had already finished (message names its state)
   */
  default JobStatus cancel(String jobId) {
    throw new UnsupportedOperationException(
        "this offline service cannot cancel jobs (" + getClass().getSimpleName() + ")");
  }

  /** Every known job, newest first. */
  /**
   * Expires the offline tables' old snapshots now, as {@code quiver snapshots expire} does: those
   * older than {@code olderThan} beyond the newest {@code retainLast} of each table, in every
   * view's tables or only {@code view}'s ({@code name} or {@code namespace.name}); null {@code
   * olderThan} or {@code retainLast} take the service's configured defaults.
   *
   * @throws IllegalArgumentException when {@code view} has no offline table, or {@code retainLast}
   *     is below 1
   */
  default SnapshotExpiry expireSnapshots(
      String view, java.time.Duration olderThan, Integer retainLast, boolean dryRun) {
    throw new UnsupportedOperationException(
        "this offline service cannot expire snapshots (" + getClass().getSimpleName() + ")");
  }

  List<JobStatus> jobs();

  /** Stops accepting jobs and waits briefly for running ones; idempotent. */
  @Override
  void close();
}
