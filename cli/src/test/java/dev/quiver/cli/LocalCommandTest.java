package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** Mistakes {@code quiver local} reports at once, before it applies or starts anything. */
class LocalCommandTest extends CliTestSupport {

  /**
   * A newcomer's {@code make run} while another program holds port 8080: {@code quiver local} says
   * so at once, naming {@code --set server.port}, before it applies the examples or starts Kafka
   * and Flink (before: after about 40 s, once everything else had started).
   */
  @Test
  void aServerPortInUseStopsLocalBeforeAnythingStarts() throws Exception {
    try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Run r =
          run(
              "--set",
              "server.port=" + held.getLocalPort(),
              "local",
              "--examples",
              CliTestSupport.examples().toString());
      assertThat(r.code()).as(r.err()).isEqualTo(ExitCode.INVALID);
      assertThat(r.err())
          .contains(
              "server.port: 127.0.0.1:" + held.getLocalPort() + " is already in use by another")
          .contains("--set server.port=N");
      assertThat(r.out()).doesNotContain("Applied").doesNotContain("Starting Kafka");
    }
  }

  /**
   * A misspelt {@code --examples} directory: before, {@code quiver local} silently applied nothing
   * and started with whatever the registry held (with an empty registry, no job at all).
   */
  @Test
  void anExamplesDirectoryThatDoesNotExistIsAUsageError() {
    Run r = fails(ExitCode.USAGE, "local", "--examples", dir.resolve("exmaples").toString());
    assertThat(r.err())
        .contains("--examples: ")
        .contains("exmaples")
        .contains("no such file or directory");
    assertThat(r.out()).doesNotContain("Starting Kafka");
  }
}
