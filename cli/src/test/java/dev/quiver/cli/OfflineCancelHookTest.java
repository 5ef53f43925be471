package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The CLI's Ctrl-C hook for a job sent to a server: it sends {@code DELETE /v1/offline/jobs/{id}}
 * and says what happened (against a stub HTTP server answering as the Quiver server does).
 */
class OfflineCancelHookTest {

  @Test
  void theHookCancelsTheJobOnTheServerAndSaysSo() throws Exception {
    List<String> requests = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/v1/offline/jobs/",
        ex -> {
          requests.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
          boolean running = ex.getRequestURI().getPath().endsWith("/j-1");
          String body =
              running
                  ? "{\"id\":\"j-1\",\"kind\":\"export\",\"state\":\"CANCELLED\",\"progress\":0.5,"
                      + "\"rows\":10,\"output\":\"/o\",\"error\":null,"
                      + "\"submitted_at\":\"2025-11-25T12:00:00Z\","
                      + "\"finished_at\":\"2025-11-25T12:00:05Z\",\"details\":{}}"
                  : "{\"error\":{\"code\":\"CONFLICT\",\"field\":\"id\",\"message\":\"job 'j-2'"
                      + " already SUCCEEDED (only a QUEUED or RUNNING job cancels)\"}}";
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().add("content-type", "application/json");
          ex.sendResponseHeaders(running ? 200 : 409, bytes.length);
          ex.getResponseBody().write(bytes);
          ex.close();
        });
    server.start();
    try (HttpOfflineService service =
        new HttpOfflineService("http://127.0.0.1:" + server.getAddress().getPort(), null)) {
      StringWriter text = new StringWriter();
      OfflineCommands.cancelOnShutdown(service, "j-1", new PrintWriter(text));
      assertThat(text.toString()).contains("cancelled job j-1 (CANCELLED)");

      StringWriter done = new StringWriter();
      OfflineCommands.cancelOnShutdown(service, "j-2", new PrintWriter(done));
      assertThat(done.toString()).contains("job j-2 not cancelled: job 'j-2' already SUCCEEDED");
      assertThat(requests)
          .containsExactly("DELETE /v1/offline/jobs/j-1", "DELETE /v1/offline/jobs/j-2");
    } finally {
      server.stop(0);
    }
  }
}
