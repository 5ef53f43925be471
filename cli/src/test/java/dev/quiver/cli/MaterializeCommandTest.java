package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class MaterializeCommandTest {

  /**
   * A failed job names its causes (session 11 QA pass: "error: the job failed:
   * org.apache.flink.runtime.client.JobExecutionException: Job execution failed." and nothing else;
   * the reason, an unknown topic, was only in the log file, which nothing pointed to).
   */
  @Test
  void aFailedJobPrintsItsCausesAndWhereTheTraceIs() {
    Exception root = new IllegalStateException("This server does not host this topic-partition.");
    Exception failure =
        new ExecutionException(
            "org.apache.flink.runtime.client.JobExecutionException: Job execution failed.",
            new RuntimeException(
                "Job execution failed.",
                new RuntimeException(
                    "Failed to get metadata for topics [acct_cdc].",
                    new ExecutionException(root.getMessage(), root))));
    assertThat(MaterializeCommand.jobFailure(failure))
        .isEqualTo(
            "error: the job failed: org.apache.flink.runtime.client.JobExecutionException: Job"
                + " execution failed.\n"
                + "  caused by: RuntimeException: Failed to get metadata for topics [acct_cdc].\n"
                + "  caused by: ExecutionException: This server does not host this"
                + " topic-partition.\n"
                + "  (the full trace is in "
                + MaterializeCommand.LOG_FILE
                + ")");
  }

  /** A data directory the job cannot write: after the causes (which name the path), the fix. */
  @Test
  void aDataDirectoryFailureSaysWhatToDo() {
    Exception full =
        new ExecutionException(
            "Job execution failed.",
            new java.io.IOException("No space left on device: While appending to file: /o/1.log"));
    assertThat(MaterializeCommand.jobFailure(full))
        .contains(
            "\n  "
                + dev.quiver.jobs.DataDirFailure.FIX
                + "; then restart it: quiver materialize VIEW --restore <its last chk-N>"
                + "\n  (the full trace is in ");
  }
}
