package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.util.OptionalFailure;
import org.junit.jupiter.api.Test;

/**
 * A backfill's progress moves while its job runs (issue 5: "the CLI shows progress"): its job
 * status stayed at 0 until the backfill ended and then jumped to 1. The polling of the records-read
 * accumulator is checked here on a job client whose accumulator grows poll by poll, so that the
 * intermediate values do not depend on how fast a real job runs ({@code BackfillITCase} checks the
 * counter of a real backfill against its total).
 */
class BackfillProgressTest {
  /** A running job whose accumulator reads {@code values}, one per poll, then finishes. */
  private static final class SteppedJob implements JobClient {
    final long[] values;
    final AtomicInteger polls = new AtomicInteger();
    final CompletableFuture<JobExecutionResult> result = new CompletableFuture<>();

    SteppedJob(long... values) {
      this.values = values;
    }

    @Override
    public CompletableFuture<Map<String, Object>> getAccumulators() {
      int i = polls.getAndIncrement();
      if (i >= values.length - 1) {
        result.complete(
            new JobExecutionResult(
                new JobID(),
                1,
                Map.of(
                    BackfillPlanner.READ_ACCUMULATOR,
                    OptionalFailure.of((Object) values[values.length - 1]))));
      }
      return CompletableFuture.completedFuture(
          Map.of(BackfillPlanner.READ_ACCUMULATOR, values[Math.min(i, values.length - 1)]));
    }

    @Override
    public CompletableFuture<JobExecutionResult> getJobExecutionResult() {
      return result;
    }

    @Override
    public JobID getJobID() {
      return new JobID();
    }

    @Override
    public CompletableFuture<JobStatus> getJobStatus() {
      return CompletableFuture.completedFuture(
          result.isDone() ? JobStatus.FINISHED : JobStatus.RUNNING);
    }

    @Override
    public CompletableFuture<Void> cancel() {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<String> stopWithSavepoint(
        boolean drain, String dir, SavepointFormatType type) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<String> triggerSavepoint(String dir, SavepointFormatType type) {
      throw new UnsupportedOperationException();
    }
  }

  @Test
  void progressMovesWithTheRecordsReadAndStaysBelowOneUntilTheCommit() throws Exception {
    long total = 1000;
    SteppedJob job = new SteppedJob(0, 0, 250, 600, 600, 1000);
    List<Double> seen = new ArrayList<>();
    JobExecutionResult r =
        FlinkBatch.await(
            job,
            BackfillPlanner.READ_ACCUMULATOR,
            read -> seen.add(Backfill.fraction(read, total)),
            1);
    assertThat(r).isNotNull();
    assertThat(seen).as("polled while the job ran").hasSizeGreaterThanOrEqualTo(4);
    assertThat(seen).as("values strictly between 0 and 1").anyMatch(p -> p > 0 && p < 1);
    assertThat(seen).as("non-decreasing").isSorted();
    assertThat(seen).as("below 1 until the backfill committed").allMatch(p -> p < 1);
    assertThat(seen.get(seen.size() - 1)).isEqualTo(0.99);
  }

  /**
   * The progress's total for files that also hold other days: it was their whole record count,
   * while the scan returns only the rows in the range (or without event time), so the bar of a
   * one-day backfill over a file of thirty days stopped near 3% until the job ended. Each file now
   * counts its null event times plus the share of its event-time bounds that the range covers.
   */
  @Test
  void aFileCountsTheShareOfItsEventTimeBoundsThatTheRangeCovers() {
    long day = 86_400_000L;
    // thirty days in one file, one day read: a thirtieth
    assertThat(Backfill.ScanSize.inRange(30_000, 0, 0L, 30 * day - 1, 4 * day, 5 * day))
        .isEqualTo(1_000);
    // rows without event time are all returned (and counted as skipped)
    assertThat(Backfill.ScanSize.inRange(30_010, 10, 0L, 30 * day - 1, 4 * day, 5 * day))
        .isEqualTo(1_010);
    // a file inside the range counts whole, one outside only its nulls
    assertThat(Backfill.ScanSize.inRange(500, 3, 2 * day, 3 * day, 0, 10 * day)).isEqualTo(500);
    assertThat(Backfill.ScanSize.inRange(500, 3, 20 * day, 21 * day, 0, 10 * day)).isEqualTo(3);
    // unknown bounds: the whole file
    assertThat(Backfill.ScanSize.inRange(500, 0, null, null, 0, day)).isEqualTo(500);
    // one event time: whole or nothing
    assertThat(Backfill.ScanSize.inRange(7, 0, day, day, day, day + 1)).isEqualTo(7);
    assertThat(Backfill.ScanSize.inRange(7, 0, day, day, 0, day)).isZero();
  }

  @Test
  void fractionOfAnUnknownTotalIsZeroAndNeverOverTheCap() {
    assertThat(Backfill.fraction(5, -1)).isZero();
    assertThat(Backfill.fraction(5, 0)).isZero();
    assertThat(Backfill.fraction(250, 1000)).isEqualTo(0.25);
    assertThat(Backfill.fraction(1200, 1000)).isEqualTo(0.99); // a compacted topic's gaps
  }
}
