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
  List<JobStatus> jobs();

  /** Stops accepting jobs and waits briefly for running ones; idempotent. */
  @Override
  void close();
}
