package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.api.common.JobStatus;
import org.junit.jupiter.api.Test;

class RestartNoticeTest {
  @Test
  void oneWarningPerEpisodeAndOneLineWhenItRunsAgain() {
    RestartNotice n = new RestartNotice("default.user_txn:v1", "/tmp/quiver-cli.log", 10_000);
    assertThat(n.observe(JobStatus.RUNNING, 0)).isNull();
    assertThat(n.observe(JobStatus.RESTARTING, 1_000))
        .isEqualTo(
            "warning: the job of default.user_txn:v1 failed; Flink is restarting it from its last"
                + " checkpoint (waits 1 s doubling up to 1 min, 20 attempts before it gives up)."
                + " The cause is in /tmp/quiver-cli.log; this command exits 70 if the restarts run"
                + " out.");
    // the later restarts of the same episode print nothing, and a short run is not a recovery
    assertThat(n.observe(JobStatus.RESTARTING, 2_000)).isNull();
    assertThat(n.observe(JobStatus.RUNNING, 3_000)).isNull();
    assertThat(n.observe(JobStatus.FAILING, 5_000)).isNull();
    assertThat(n.observe(JobStatus.RESTARTING, 6_000)).isNull();
    assertThat(n.observe(JobStatus.RUNNING, 8_000)).isNull();
    assertThat(n.observe(JobStatus.RUNNING, 17_999)).isNull();
    assertThat(n.observe(JobStatus.RUNNING, 18_000))
        .isEqualTo(
            "the job of default.user_txn:v1 is running again, 17 s after it failed (2 restarts).");
    // a new failure later is a new episode
    assertThat(n.observe(JobStatus.RUNNING, 30_000)).isNull();
    assertThat(n.observe(JobStatus.RESTARTING, 31_000)).startsWith("warning: the job of");
  }
}
