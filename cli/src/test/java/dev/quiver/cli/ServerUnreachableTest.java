package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/**
 * A {@code --server} that nothing answers at is an everyday mistake (the server was not started, or
 * another port): the error is one line naming the URL and the fix, without Java class names or a
 * cause chain (exit 70, as cli.md says).
 */
class ServerUnreachableTest extends CliTestSupport {

  @Test
  void anExportSentWhereNoServerListensSaysSoInOneLine() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String url = "http://127.0.0.1:" + port;
    Run r =
        fails(
            ExitCode.FAILURE,
            "export",
            "user_activity.*",
            "--times",
            "2024-05-01T00:00:00Z",
            "--output",
            dir.resolve("out").toString(),
            "--server",
            url);
    assertThat(r.err())
        .startsWith("error: cannot reach the Quiver server at " + url)
        .contains("start one with 'quiver serve' or 'quiver local'")
        .doesNotContain("java.")
        .doesNotContain("caused by");
    assertThat(r.err().strip().lines()).hasSize(1);
  }

  /**
   * The offline catalog's database (offline.catalog-type jdbc) not answering is no bug either: one
   * line naming offline.properties.uri and the fix, no class name (it read "error:
   * java.lang.IllegalStateException: offline.properties.uri: ...").
   */
  @Test
  void aJdbcCatalogDatabaseThatDoesNotAnswerIsOneLineNamingTheOption() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String uri = "jdbc:postgresql://127.0.0.1:" + port + "/iceberg_catalog";
    ok("apply", examples().toString());
    Run r =
        fails(
            ExitCode.FAILURE,
            "--set",
            "offline.catalog-type=jdbc",
            "--set",
            "offline.properties.uri=" + uri,
            "export",
            "user_activity.*",
            "--times",
            "2024-05-01T00:00:00Z",
            "--output",
            dir.resolve("out").toString());
    assertThat(r.err())
        .startsWith(
            "error: offline.properties.uri: cannot open the JDBC catalog database at " + uri)
        .contains("offline.properties.uri pointing at it")
        .doesNotContain("java.")
        .doesNotContain("caused by");
    assertThat(r.err().strip().lines()).hasSize(1);
  }
}
