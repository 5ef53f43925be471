package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.quiver.core.offline.ExportRequest;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A submission the server answers too late may still have been accepted there: the CLI's error says
 * so and names the routes that list and cancel jobs (seen on a loaded machine, where `quiver
 * export` gave up after 60 s and the server then ran the export unfollowed).
 */
class HttpOfflineServiceTimeoutTest {

  @Test
  void aLateAnswerToASubmissionSaysTheJobMayRunAndHowToFindIt() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/v1/offline/export",
        ex -> {
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          byte[] bytes =
              "{\"job_id\":\"j-1\",\"status_url\":\"/v1/offline/jobs/j-1\"}"
                  .getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(202, bytes.length);
          ex.getResponseBody().write(bytes);
          ex.close();
        });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
    String base = "http://127.0.0.1:" + server.getAddress().getPort();
    try (HttpOfflineService service = new HttpOfflineService(base, null, Duration.ofSeconds(3))) {
      ExportRequest request =
          new ExportRequest(
              null,
              List.of("v.f"),
              null,
              null,
              List.of(Instant.parse("2025-11-01T00:00:00Z")),
              null,
              null,
              null,
              "/tmp/out",
              "parquet",
              null,
              null);
      assertThatThrownBy(() -> service.submitExport(request))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(
              "POST " + base + "/v1/offline/export: the server did not answer within 3s")
          .hasMessageContaining(
              "it may still have accepted the request and run the job: list the jobs with GET "
                  + base
                  + "/v1/offline/jobs and cancel an unwanted one with DELETE "
                  + base
                  + "/v1/offline/jobs/<id>");
    } finally {
      release.countDown();
      server.stop(0);
    }
  }
}
