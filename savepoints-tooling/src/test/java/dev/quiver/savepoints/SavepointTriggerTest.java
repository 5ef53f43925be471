package dev.quiver.savepoints;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which job {@link SavepointTrigger#runningJob} picks from a cluster's job list, and the errors of
 * {@link FlinkRest} for what Flink answers, against canned {@code /jobs/overview} answers served
 * over HTTP (the real cluster: SavepointRoundTripITCase).
 */
class SavepointTriggerTest {
  private HttpServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private SavepointTrigger serving(int status, String overview) throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/jobs/overview",
        exchange -> {
          byte[] body = overview.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    String url = "http://127.0.0.1:" + server.getAddress().getPort();
    return new SavepointTrigger(new FlinkRest(url, Duration.ofSeconds(5)), Duration.ofMillis(10));
  }

  private static String jobs(String... idNameState) {
    StringBuilder sb = new StringBuilder("{\"jobs\":[");
    for (int i = 0; i < idNameState.length; i += 3) {
      sb.append(i == 0 ? "" : ",")
          .append("{\"jid\":\"")
          .append(idNameState[i])
          .append("\",\"name\":\"")
          .append(idNameState[i + 1])
          .append("\",\"state\":\"")
          .append(idNameState[i + 2])
          .append("\",\"start-time\":1}");
    }
    return sb.append("]}").toString();
  }

  @Test
  void picksTheViewsRunningJobNotAnotherViewWithTheSamePrefix() throws Exception {
    SavepointTrigger t =
        serving(
            200,
            jobs(
                "a",
                "quiver-materialize-default.user_activity_metrics-v3",
                "RUNNING",
                "b",
                "quiver-materialize-default.user_activity-v1",
                "FINISHED",
                "c",
                "quiver-materialize-default.user_activity-v1.1",
                "RUNNING",
                "d",
                "quiver-materialize-other.user_activity-v1",
                "RUNNING"));
    assertThat(t.runningJob("default", "user_activity", null).id()).isEqualTo("c");
    assertThat(t.runningJob("default", "user_activity", "v1.1").id()).isEqualTo("c");
    assertThat(t.runningJob("other", "user_activity", "1").id()).isEqualTo("d");
    assertThatThrownBy(() -> t.runningJob("default", "user_activity", "v1"))
        .isInstanceOf(SavepointException.class)
        .hasMessageContaining("no running job of default.user_activity:v1")
        .hasMessageContaining(
            "the view's jobs there: quiver-materialize-default.user_activity-v1 FINISHED (job b)");
  }

  @Test
  void twoRunningVersionsAskForOne() throws Exception {
    SavepointTrigger t =
        serving(
            200,
            jobs(
                "a",
                "quiver-materialize-default.user_activity-v1",
                "RUNNING",
                "b",
                "quiver-materialize-default.user_activity-v2",
                "RUNNING"));
    assertThatThrownBy(() -> t.runningJob("default", "user_activity", null))
        .isInstanceOf(SavepointException.class)
        .hasMessageContaining("several jobs of default.user_activity run on http://127.0.0.1:")
        .hasMessageContaining(
            "name the version: quiver savepoint trigger default.user_activity:VERSION")
        .extracting(e -> ((SavepointException) e).kind())
        .isEqualTo(SavepointException.Kind.INVALID);
    assertThat(t.runningJob("default", "user_activity", "v2").id()).isEqualTo("b");
  }

  @Test
  void aClusterElectingItsLeaderIsAskedAgain() throws Exception {
    java.util.concurrent.atomic.AtomicInteger asked =
        new java.util.concurrent.atomic.AtomicInteger();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/jobs/overview",
        exchange -> {
          boolean electing = asked.incrementAndGet() <= 2;
          byte[] body =
              (electing
                      ? "{\"errors\":[\"Service temporarily unavailable due to an ongoing leader"
                          + " election. Please refresh.\"]}"
                      : jobs("a", "quiver-materialize-default.v-v1", "RUNNING"))
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(electing ? 503 : 200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    SavepointTrigger t =
        new SavepointTrigger(
            new FlinkRest(
                "http://127.0.0.1:" + server.getAddress().getPort(), Duration.ofSeconds(5)),
            Duration.ofMillis(10));
    assertThat(t.runningJob("default", "v", null).id()).isEqualTo("a");
    assertThat(asked.get()).isEqualTo(3);
  }

  @Test
  void flinksErrorsArePassedOnWithoutTheServerTrace() throws Exception {
    SavepointTrigger t =
        serving(
            500,
            "{\"errors\":[\"Internal server error.\",\"<Exception on server side:\\norg.apache"
                + ".flink...\\n\\tat x\"]}");
    assertThatThrownBy(() -> t.runningJob("default", "v", null))
        .isInstanceOf(SavepointException.class)
        .hasMessageEndingWith("could not list the jobs (HTTP 500): Internal server error.")
        .extracting(e -> ((SavepointException) e).kind())
        .isEqualTo(SavepointException.Kind.FAILED);
  }

  @Test
  void aFailedSavepointsReasonIsItsTracesFirstLineAndInnermostCause() throws Exception {
    var failure =
        new ObjectMapper()
            .readTree(
                "{\"class\":\"x\",\"stack-trace\":\"java.util.concurrent.CompletionException:"
                    + " org.apache.flink.runtime.checkpoint.CheckpointException: Failure to"
                    + " finalize checkpoint.\\n\\tat a.b(C.java:1)\\nCaused by:"
                    + " java.io.IOException: Failed to create savepoint directory at"
                    + " file:/x\\n\\tat d\\nCaused by: java.nio.file.FileAlreadyExistsException:"
                    + " /x\\n\"}");
    assertThat(FlinkRest.reason(failure))
        .isEqualTo(
            "java.util.concurrent.CompletionException:"
                + " org.apache.flink.runtime.checkpoint.CheckpointException: Failure to finalize"
                + " checkpoint.; caused by: java.nio.file.FileAlreadyExistsException: /x");
  }

  @Test
  void aDirectoryBecomesAnAbsoluteFileUriAndAUriStaysAsGiven() {
    assertThat(SavepointTrigger.directoryUri("s3://bucket/sp")).isEqualTo("s3://bucket/sp");
    assertThat(SavepointTrigger.directoryUri("file:/tmp/sp")).isEqualTo("file:/tmp/sp");
    assertThat(SavepointTrigger.directoryUri("rel/sp")).startsWith("file:/").endsWith("/rel/sp");
    assertThat(StateSnapshots.isSavepoint("file:/x/savepoint-3ac317-246b8b2abb3d")).isTrue();
    assertThat(StateSnapshots.isSavepoint("file:/x/0a1b/chk-7")).isFalse();
  }
}
