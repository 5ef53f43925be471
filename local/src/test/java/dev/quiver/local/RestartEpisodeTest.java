package dev.quiver.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The console lines of a job Flink restarts: one per failure episode, and one at recovery. */
class RestartEpisodeTest {
  private final RestartEpisode job =
      new RestartEpisode("default.spend:v1", "/tmp/quiver-cli.log", Duration.ofSeconds(10));

  @Test
  void aRunningJobPrintsNothing() {
    assertThat(job.observe(true, 0, null, 1_000)).isNull();
    assertThat(job.observe(true, 0, null, 60_000)).isNull();
    assertThat(job.failing()).isFalse();
  }

  @Test
  void theFirstFailureSaysWhichViewWhyThatItIsRetryingAndWhereTheLogIs() {
    assertThat(job.observe(false, 5_000, "NoResourceAvailableException: no slots", 5_100))
        .isEqualTo(
            "WARN: the materialization job of default.spend:v1 failed: NoResourceAvailableException:"
                + " no slots. Flink is restarting it (waits 1 s doubling up to 1 min, 20 attempts"
                + " before it gives up); meanwhile its lookups answer the last values written. The"
                + " full trace is in /tmp/quiver-cli.log; GET /v1/health shows the job's state.");
    assertThat(job.failing()).isTrue();
  }

  @Test
  void laterAttemptsOfTheSameEpisodePrintNothingAndRecoveryPrintsOnce() {
    assertThat(job.observe(false, 5_000, "boom", 5_100)).startsWith("WARN:");
    assertThat(job.observe(false, 5_000, "boom", 6_100)).isNull(); // the same failure
    assertThat(job.observe(false, 7_000, "boom", 7_100)).isNull(); // attempt 2 failed
    assertThat(job.observe(true, 7_000, "boom", 8_000)).isNull(); // running, not yet for 10 s
    // attempt 3 fails after running a while: still the same episode, the 10 s start over
    assertThat(job.observe(false, 12_000, "boom", 12_100)).isNull();
    assertThat(job.observe(true, 12_000, "boom", 15_000)).isNull();
    assertThat(job.observe(true, 12_000, "boom", 24_000)).isNull();
    assertThat(job.observe(true, 12_000, "boom", 25_000))
        .isEqualTo(
            "INFO: the materialization job of default.spend:v1 recovered: running again, 20 s"
                + " after it failed (3 failures). Its values advance again.");
    assertThat(job.failing()).isFalse();
    assertThat(job.observe(true, 12_000, "boom", 40_000)).isNull();
    // a later failure is a new episode
    assertThat(job.observe(false, 50_000, "again", 50_100))
        .startsWith("WARN: the materialization job of default.spend:v1 failed: again.");
  }

  @Test
  void aCauseEndingInAPeriodGetsNoSecondOne() {
    assertThat(
            job.observe(
                false, 5_000, "FlinkExpectedException: The TaskExecutor is shutting down.", 5_100))
        .startsWith(
            "WARN: the materialization job of default.spend:v1 failed: FlinkExpectedException:"
                + " The TaskExecutor is shutting down. Flink is restarting it");
  }

  @Test
  void aJobAlreadyFailedWhenFirstSeenStartsAnEpisode() {
    assertThat(job.observe(true, 3_000, "boom", 4_000)).startsWith("WARN:");
  }
}
