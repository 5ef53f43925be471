package dev.quiver.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistries;
import dev.quiver.core.registry.FeatureRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.flink.api.common.JobID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code quiver local} whose materialization jobs stop running says so: a job that ends prints
 * one console line naming its view, the cause and what to do, and {@code GET /v1/health} names the
 * jobs that are not running under {@code materialization} (status DEGRADED, still ready: lookups
 * answer the last values); a job that Flink restarts prints a line at its first failure and one
 * when it runs again. Before, all five jobs of a loaded {@code quiver local} went FAILED while it
 * printed nothing and its health stayed UP.
 */
class LocalJobsHealthITCase {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  @Test
  void endedAndStalledJobsShowOnTheConsoleAndInHealth() throws Exception {
    Path specs = Files.createDirectories(dir.resolve("specs"));
    Files.writeString(
        specs.resolve("views.yaml"),
        """
        kind: kafka
        name: transactions
        schema: {user_id: STRING, amount: DOUBLE, event_time: TIMESTAMP}
        event_time_field: event_time
        options: {topic: transactions, format: json}
        ---
        kind: entity
        name: user
        join_keys: [{name: user_id, type: STRING}]
        ---
        name: spend
        version: v1
        status: ACTIVE
        entities: [user]
        source: transactions
        ttl: 1d
        features:
          - {name: spend_1h, aggregation: {column: amount, function: sum, window: 1h}}
        ---
        name: biggest
        version: v1
        status: ACTIVE
        entities: [user]
        source: transactions
        ttl: 1d
        features:
          - {name: biggest_1h, aggregation: {column: amount, function: max, window: 1h}}
        """);
    QuiverConfig config =
        QuiverConfig.of(Map.of("registry.path", "mem:local-jobs-health", "server.port", "0"));
    StringWriter console = new StringWriter();
    try (FeatureRegistry registry = FeatureRegistries.open(config);
        LocalRuntime rt =
            LocalRuntime.start(
                config,
                registry,
                new LocalRuntime.Settings(dir.resolve("data"), specs, 5),
                new PrintWriter(console, true))) {
      assertThat(rt.jobs()).hasSize(2);
      String health = "http://127.0.0.1:" + rt.port() + "/v1/health";
      // both jobs running: UP
      JsonNode up =
          await(
              health,
              b -> b.path("checks").path("materialization").path("status").asText().equals("UP"));
      assertThat(up.path("status").asText()).isEqualTo("UP");
      assertThat(up.path("failing")).isEmpty();
      assertThat(up.path("checks").path("materialization").path("jobs")).hasSize(2);

      // one job cancelled behind quiver local's back: it ended
      MaterializationJobs jobs = rt.watchedJobs();
      List<JobID> ids = new ArrayList<>(jobs.jobs().keySet());
      String ended = jobs.jobs().get(ids.get(0));
      String other = jobs.jobs().get(ids.get(1));
      jobs.cluster().cancelJob(ids.get(0)).get();
      JsonNode degraded =
          await(health, b -> job(b, ended).path("state").asText().equals("CANCELED"));
      assertThat(degraded.path("status").asText()).isEqualTo("DEGRADED");
      assertThat(degraded.path("ready").asBoolean()).isTrue(); // lookups still answer
      assertThat(degraded.path("failing").toString()).isEqualTo("[\"materialization\"]");
      assertThat(degraded.path("checks").path("materialization").path("error").asText())
          .startsWith("1 of 2 jobs not running: " + ended + " CANCELED");
      JsonNode endedJob = job(degraded, ended);
      assertThat(endedJob.path("state").asText()).isEqualTo("CANCELED");
      assertThat(job(degraded, other).path("state").asText()).isEqualTo("RUNNING");
      awaitConsole(console, "ERROR: the materialization job of " + ended + " is CANCELED.");
      assertThat(console.toString())
          .contains("Restart quiver local (make run) to run it again")
          .doesNotContain("materialization job of " + other);

      // the other one loses its slots (what a loaded machine did): not running, named in health
      jobs.cluster().terminateTaskManager(0).get();
      JsonNode stalled =
          await(
              health,
              b ->
                  !job(b, other).path("state").asText().isEmpty()
                      && b.path("checks")
                          .path("materialization")
                          .path("error")
                          .asText()
                          .startsWith("2 of 2 jobs not running"));
      assertThat(stalled.path("ready").asBoolean()).isTrue();
      assertThat(stalled.path("checks").path("materialization").path("error").asText())
          .contains(other + " ");
      assertThat(job(stalled, other).path("error").asText()).isNotEmpty();
      // Flink restarts it: the console says so at once, not only when its restarts run out
      awaitConsole(console, "WARN: the materialization job of " + other + " failed: ");
      assertThat(console.toString())
          .contains("Flink is restarting it (waits 1 s doubling up to 1 min, 20 attempts");

      // slots again: it runs again, and the console says so once it has run for a while
      jobs.cluster().startTaskManager();
      await(
          health,
          b ->
              job(b, other).path("state").asText().equals("RUNNING")
                  && !job(b, other).has("error"));
      awaitConsole(console, "INFO: the materialization job of " + other + " recovered");
      assertThat(console.toString().lines().filter(l -> l.startsWith("WARN: the materialization")))
          .as("one line per failure episode, not per restart")
          .hasSize(1);
    }
    // stopping quiver local ends the other job: not reported as a failure
    assertThat(console.toString().lines().filter(l -> l.startsWith("ERROR: the materialization")))
        .hasSize(1);
  }

  private static JsonNode job(JsonNode health, String view) {
    for (JsonNode j : health.path("checks").path("materialization").path("jobs")) {
      if (j.path("view").asText().equals(view)) {
        return j;
      }
    }
    return JSON.createObjectNode();
  }

  private static JsonNode await(String url, Predicate<JsonNode> until) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(url)).build(),
              HttpResponse.BodyHandlers.ofString());
      last = JSON.readTree(r.body());
      if (until.test(last)) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return last;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("health never got there; last: " + last);
  }

  private static void awaitConsole(StringWriter console, String text) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!console.toString().contains(text) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(console.toString()).contains(text);
  }
}
