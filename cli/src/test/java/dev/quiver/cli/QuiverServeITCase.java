package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code quiver serve} on a free port over the embedded registry and online store: the REST service
 * answers, lists the views that {@code quiver apply} registered, and stops when its thread is
 * interrupted.
 */
class QuiverServeITCase extends CliTestSupport {
  private static final Pattern LISTENING = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)");

  @Test
  void servesTheRegistryOverHttp() throws Exception {
    assertThat(run("apply", dir.resolve("base.yaml").toString()).code()).isZero();
    assertThat(run("apply", spec("v1.yaml", view("v1", "a@x.com", "last_page")).toString()).code())
        .isZero();
    StringWriter out = new StringWriter();
    AtomicInteger code = new AtomicInteger(-1);
    Thread serving =
        new Thread(
            () ->
                code.set(
                    QuiverCli.commandLine()
                        .setOut(new PrintWriter(out, true))
                        .setErr(new PrintWriter(out, true))
                        .execute(
                            "--set",
                            "quiver.data-dir=" + dir.resolve("data"),
                            "serve",
                            "--port",
                            "0")));
    serving.start();
    int port = -1;
    for (int i = 0; i < 600 && port < 0; i++) {
      Matcher m = LISTENING.matcher(out.toString());
      if (m.find()) {
        port = Integer.parseInt(m.group(1));
      } else {
        Thread.sleep(100);
      }
    }
    assertThat(port).as(out.toString()).isPositive();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> health =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/health")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
    HttpResponse<String> views =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/v1/registry/featureViews"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(views.statusCode()).isEqualTo(200);
    assertThat(views.body()).contains("user_pages");
    // The offline routes are wired to the real Flink offline service: it validates on submit.
    HttpResponse<String> jobs =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/offline/jobs"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(jobs.statusCode()).as(jobs.body()).isEqualTo(200);
    assertThat(jobs.body()).contains("\"jobs\"");
    HttpResponse<String> badBackfill =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/backfill"))
                .header("content-type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"feature_view\":\"no_such_view\",\"time_range\":{\"start\":"
                            + "\"2025-10-01T00:00:00Z\",\"end\":\"2025-11-01T00:00:00Z\"}}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(badBackfill.statusCode()).as(badBackfill.body()).isBetween(400, 404);
    assertThat(badBackfill.body()).contains("no_such_view").doesNotContain("Exception");
    serving.interrupt();
    serving.join(30_000);
    assertThat(serving.isAlive()).isFalse();
    assertThat(code.get()).as(out.toString()).isEqualTo(ExitCode.OK);
  }
}
