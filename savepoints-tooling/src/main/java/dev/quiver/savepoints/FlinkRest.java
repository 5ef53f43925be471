package dev.quiver.savepoints;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The few calls of Flink's REST API (the JobManager's, or a local cluster's {@code flink:} URL)
 * that savepoints need, over plain HTTP and JSON: the jobs, a savepoint or stop-with-savepoint
 * trigger, and the trigger's status. Failures are {@link SavepointException}s that name the URL and
 * Flink's own reason. Thread-safe.
 */
public final class FlinkRest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final HttpClient http;
  private final Duration timeout;

  /**
   * @param url the REST endpoint, e.g. {@code http://127.0.0.1:8081}
   * @throws SavepointException INVALID when {@code url} is not an http(s) URL
   */
  public FlinkRest(String url, Duration timeout) {
    URI u;
    try {
      u = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    } catch (IllegalArgumentException e) {
      u = null;
    }
    if (u == null
        || u.getHost() == null
        || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
      throw new SavepointException(
          SavepointException.Kind.INVALID,
          "--flink: '"
              + url
              + "' (expected: the REST URL of Flink's JobManager, e.g. http://127.0.0.1:8081;"
              + " quiver local prints its cluster's as flink:)");
    }
    this.base = u;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  public String url() {
    return base.toString();
  }

  /** A job as {@code /jobs/overview} lists it. */
  public record Job(String id, String name, String state, long startTime) {}

  /**
   * The savepoint trigger's status: done with a location, done with Flink's failure, or not done.
   */
  public record Status(boolean done, String location, String failure) {}

  /** Every job the cluster knows (running and recently ended). */
  public List<Job> jobs() {
    JsonNode body = send(get("/jobs/overview"), "list the jobs");
    List<Job> jobs = new ArrayList<>();
    for (JsonNode j : body.path("jobs")) {
      jobs.add(
          new Job(
              j.path("jid").asText(),
              j.path("name").asText(),
              j.path("state").asText(),
              j.path("start-time").asLong()));
    }
    return jobs;
  }

  /**
   * Triggers a savepoint of a running job into {@code targetDirectory} (a URI the JobManager can
   * write), or stops the job with one ({@code stop}: the sources stop, a last savepoint is taken,
   * the job ends FINISHED). Returns the trigger's request id for {@link #status}.
   */
  public String trigger(String jobId, String targetDirectory, boolean stop) {
    ObjectNode body = JSON.createObjectNode();
    String path;
    if (stop) {
      path = "/jobs/" + jobId + "/stop";
      body.put("targetDirectory", targetDirectory);
      body.put("drain", false);
    } else {
      path = "/jobs/" + jobId + "/savepoints";
      body.put("target-directory", targetDirectory);
      body.put("cancel-job", false);
    }
    HttpRequest request =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(timeout)
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build();
    JsonNode answer = send(request, (stop ? "stop job " : "trigger a savepoint of job ") + jobId);
    String id = answer.path("request-id").asText(null);
    if (id == null) {
      throw new SavepointException(
          SavepointException.Kind.FAILED,
          "Flink at " + base + " answered the savepoint trigger without a request-id: " + answer);
    }
    return id;
  }

  /** The status of a savepoint trigger (both kinds). */
  public Status status(String jobId, String requestId) {
    JsonNode body =
        send(
            get("/jobs/" + jobId + "/savepoints/" + requestId),
            "read the savepoint status of job " + jobId);
    if (!"COMPLETED".equals(body.path("status").path("id").asText())) {
      return new Status(false, null, null);
    }
    JsonNode op = body.path("operation");
    if (op.hasNonNull("location")) {
      return new Status(true, op.path("location").asText(), null);
    }
    return new Status(true, null, reason(op.path("failure-cause")));
  }

  /**
   * Flink's reason for a failed savepoint: the first line of its trace and of its innermost cause
   * (the outer one is often only "Savepoint failed").
   */
  static String reason(JsonNode failure) {
    String trace = failure.path("stack-trace").asText("");
    if (trace.isBlank()) {
      return failure.isMissingNode() ? "no reason given" : failure.toString();
    }
    String[] lines = trace.split("\n");
    String first = lines[0].strip();
    String last = null;
    for (String line : lines) {
      if (line.startsWith("Caused by: ")) {
        last = line.substring("Caused by: ".length()).strip();
      }
    }
    return last == null || last.equals(first) ? first : first + "; caused by: " + last;
  }

  private HttpRequest get(String path) {
    return HttpRequest.newBuilder(base.resolve(path)).timeout(timeout).GET().build();
  }

  private JsonNode send(HttpRequest request, String what) {
    HttpResponse<String> response;
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
      // 503 while a cluster that just started elects its leader ("Service temporarily
      // unavailable due to an ongoing leader election"): asked again, it answers
      while (response.statusCode() == 503 && System.nanoTime() < deadline) {
        Thread.sleep(200);
        response = http.send(request, HttpResponse.BodyHandlers.ofString());
      }
    } catch (ConnectException | HttpTimeoutException e) {
      throw unreachable(what, e);
    } catch (IOException e) {
      throw unreachable(what, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SavepointException(
          SavepointException.Kind.FAILED, "interrupted while waiting for Flink at " + base, e);
    }
    JsonNode body;
    try {
      body = JSON.readTree(response.body());
    } catch (IOException e) {
      body = null;
    }
    if (response.statusCode() / 100 == 2 && body != null) {
      return body;
    }
    String errors = body == null ? abbreviate(response.body()) : errors(body);
    throw new SavepointException(
        response.statusCode() == 404
            ? SavepointException.Kind.NOT_FOUND
            : SavepointException.Kind.FAILED,
        "Flink at "
            + base
            + " could not "
            + what
            + " (HTTP "
            + response.statusCode()
            + "): "
            + errors);
  }

  private SavepointException unreachable(String what, Exception e) {
    return new SavepointException(
        SavepointException.Kind.UNREACHABLE,
        "cannot reach Flink's REST endpoint at "
            + base
            + " to "
            + what
            + " ("
            + e
            + "); pass the JobManager's REST URL with --flink URL (quiver local prints its"
            + " cluster's as flink:), or set savepoints.flink-url",
        e);
  }

  /**
   * Flink's {@code {"errors": [...]}}: each error's first line, without the server's stack trace
   * (an error of its own, {@code <Exception on server side: ...>}).
   */
  private static String errors(JsonNode body) {
    List<String> out = new ArrayList<>();
    for (JsonNode e : body.path("errors")) {
      String text = e.asText().strip();
      if (!text.isEmpty() && !text.startsWith("<Exception on server side")) {
        out.add(text.split("\n", 2)[0].strip());
      }
    }
    return out.isEmpty() ? abbreviate(body.toString()) : String.join("; ", out);
  }

  private static String abbreviate(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }
}
