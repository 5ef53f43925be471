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

  /** Every known job, newest first. */
  List<JobStatus> jobs();

  /** Stops accepting jobs and waits briefly for running ones; idempotent. */
  @Override
  void close();
}
