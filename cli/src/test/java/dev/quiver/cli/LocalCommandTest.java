package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
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

  /**
   * QA pass, session 20: after a compatible revision of an example view (a feature added with
   * {@code quiver apply}, as cli.md's describe, edit, apply suggests), {@code quiver local} refused
   * to start with the registry's "bump version to v2", as if the user had applied examples/. It
   * says that it applies the directory at every start, and how to start: bring the file up to date
   * or name another directory.
   */
  @Test
  void anExampleViewRevisedSinceNamesTheDirectoryLocalApplies() throws Exception {
    Path examples = CliTestSupport.examples();
    String view = Files.readString(examples.resolve("user_activity.yaml"));
    String revised =
        view.replaceFirst(
            "(?m)^features:\\n",
            "features:\n  - name: user_max_txn_usd_1h\n"
                + "    aggregation: {column: amount_usd, function: max, window: 1h}\n");
    assertThat(revised).isNotEqualTo(view);
    ok("apply", examples.toString());
    ok("apply", spec("user_activity.yaml", revised).toString());
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    Run r =
        fails(
            ExitCode.BREAKING_CHANGE,
            "--set",
            "server.port=" + port,
            "local",
            "--examples",
            examples.toString());
    assertThat(r.err())
        .contains("removed feature user_max_txn_usd_1h")
        .contains(
            "quiver local applies the specs in "
                + examples.toAbsolutePath()
                + " at every start, and the registry holds a newer revision than they do")
        .contains("quiver describe")
        .contains("--examples");
    assertThat(r.out()).doesNotContain("Starting Kafka");
  }
}
