package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code quiver savepoint}'s errors and exit codes without a cluster (the commands against a real
 * job and savepoint: {@code SavepointRoundTripITCase} in savepoints-tooling).
 */
class SavepointCommandTest extends CliTestSupport {

  @Test
  void anUnreachableClusterExits70NamingTheFix() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Run r =
        fails(
            ExitCode.FAILURE,
            "savepoint",
            "trigger",
            "user_activity",
            "--flink",
            "http://127.0.0.1:" + closed);
    assertThat(r.err())
        .startsWith("error: cannot reach Flink's REST endpoint at http://127.0.0.1:" + closed)
        .contains("pass the JobManager's REST URL with --flink URL");
  }

  @Test
  void aFlinkUrlThatIsNoUrlExits1() {
    Run r = fails(ExitCode.INVALID, "savepoint", "trigger", "user_activity", "--flink", "8081");
    assertThat(r.err()).contains("--flink: '8081' (expected: the REST URL of Flink's JobManager");
  }

  @Test
  void inspectOfADirectoryWithoutACheckpointExits5() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("nothing"));
    Run r = fails(ExitCode.NOT_FOUND, "savepoint", "inspect", empty.toString());
    assertThat(r.err())
        .contains(empty + ": no checkpoint or savepoint there")
        .contains("quiver savepoint list VIEW");
  }

  @Test
  void listWithoutCheckpointsSaysWhereItLooked() {
    Run r = ok("savepoint", "list", "user_activity");
    assertThat(r.out())
        .startsWith("No checkpoints or savepoints of default.user_activity under ")
        .contains(dir.resolve("data").resolve("checkpoints").toString())
        .contains(dir.resolve("data").resolve("savepoints").toString());
  }

  @Test
  void aSavepointDirectoryOfTheDataDirUnlessConfigured() {
    var config =
        dev.quiver.core.config.QuiverConfig.of(java.util.Map.of("quiver.data-dir", dir.toString()));
    assertThat(SavepointCommand.savepointDir(config))
        .isEqualTo(dir.resolve("savepoints").toString());
    assertThat(SavepointCommand.savepointDir(config.with("savepoints.dir", "s3://b/sp")))
        .isEqualTo("s3://b/sp");
    assertThat(SavepointCommand.bytes(1023)).isEqualTo("1023 B");
    assertThat(SavepointCommand.bytes(143_282)).isEqualTo("139.9 KB");
  }
}
