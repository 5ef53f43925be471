package dev.quiver.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.core.offline.BackfillRequest;
import dev.quiver.core.offline.ExportRequest;
import dev.quiver.core.offline.JobStatus;
import dev.quiver.core.offline.OfflineService;
import dev.quiver.core.offline.SnapshotExpiry;
import dev.quiver.core.registry.RegistryException;
import dev.quiver.core.spec.Durations;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The offline service of a running Quiver server ({@code quiver serve} or {@code quiver local}),
 * through its REST API ({@code POST /v1/offline/export}, {@code POST /v1/backfill}, {@code GET
 * /v1/offline/jobs/{id}}): {@code quiver export --server URL} runs the export in the server's
 * long-lived JVM, whose Flink cluster is already up and whose code is already compiled, instead of
 * starting both in the CLI's. Relative paths are resolved against the CLI's working directory
 * before they are sent, since the server resolves paths against its own; the server must see them
 * (the same machine, or shared storage). {@code QUIVER_TOKEN}, when set, is sent as a bearer token.
 */
final class HttpOfflineService implements OfflineService {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How long one request waits for the server's answer. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

  private final URI base;
  private final String token;
  private final HttpClient http;
  private final Duration requestTimeout;

  HttpOfflineService(String server, String token) {
    this(server, token, REQUEST_TIMEOUT);
  }

  HttpOfflineService(String server, String token, Duration requestTimeout) {
    URI uri;
    try {
      uri = URI.create(server.endsWith("/") ? server : server + "/");
    } catch (IllegalArgumentException e) {
      uri = null;
    }
    if (uri == null
        || uri.getHost() == null
        || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
      throw new IllegalArgumentException(
          "--server: '"
              + server
              + "' (expected: the server's base URL, e.g. http://127.0.0.1:8080)");
    }
    this.base = uri;
    this.token = token == null || token.isBlank() ? null : token;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    this.requestTimeout = requestTimeout;
  }

  @Override
  public String submitExport(ExportRequest r) {
    ObjectNode body = JSON.createObjectNode();
    body.put("namespace", r.namespace());
    ArrayNode features = body.putArray("features");
    r.features().forEach(features::add);
    if (r.featureService() != null) {
      body.put("feature_service", r.featureService());
    }
    if (r.labels() != null) {
      body.put("labels", localPathOrAsIs(r.labels()));
    }
    if (r.timestampColumn() != null) {
      body.put("timestamp_column", r.timestampColumn());
    }
    if (!r.times().isEmpty()) {
      ArrayNode times = body.putArray("reference_times");
      r.times().forEach(t -> times.add(t.toString()));
    }
    if (r.from() != null || r.to() != null || r.step() != null) {
      ObjectNode range = body.putObject("time_range");
      range.put("start", r.from() == null ? null : r.from().toString());
      range.put("end", r.to() == null ? null : r.to().toString());
      range.put("step", r.step() == null ? null : Durations.format(r.step()));
    }
    body.put("output_location", absolute(r.output()));
    body.put("format", r.format());
    if (r.manifest() != null) {
      body.put("manifest", absolute(r.manifest()));
    }
    if (r.availabilityGuard() != null) {
      body.put("availability_guard", r.availabilityGuard());
    }
    return send("POST", "v1/offline/export", body).path("job_id").asText();
  }

  @Override
  public String submitBackfill(BackfillRequest r) {
    ObjectNode body = JSON.createObjectNode();
    body.put("namespace", r.namespace());
    body.put("feature_view", r.view());
    if (r.version() != null) {
      body.put("version", r.version());
    }
    ObjectNode range = body.putObject("time_range");
    range.put("start", r.from().toString());
    range.put("end", r.to().toString());
    body.put("dry_run", r.dryRun());
    body.put("online", r.online());
    if (r.source() != null) {
      body.put("source", localPathOrAsIs(r.source()));
    }
    if (r.actor() != null) {
      body.put("actor", r.actor());
    }
    return send("POST", "v1/backfill", body).path("job_id").asText();
  }

  @Override
  public SnapshotExpiry expireSnapshots(
      String view, Duration olderThan, Integer retainLast, boolean dryRun) {
    ObjectNode body = JSON.createObjectNode();
    if (view != null) {
      body.put("view", view);
    }
    if (olderThan != null) {
      body.put("older_than", Durations.format(olderThan));
    }
    if (retainLast != null) {
      body.put("retain_last", retainLast);
    }
    body.put("dry_run", dryRun);
    JsonNode n = send("POST", "v1/offline/snapshots:expire", body);
    List<SnapshotExpiry.Table> tables = new ArrayList<>();
    for (JsonNode t : n.path("tables")) {
      tables.add(
          new SnapshotExpiry.Table(
              t.path("table").asText(),
              t.hasNonNull("view") ? t.get("view").asText() : null,
              t.path("expired").asInt(),
              t.path("remaining").asInt(),
              t.hasNonNull("error") ? t.get("error").asText() : null));
    }
    return new SnapshotExpiry(
        Instant.parse(n.path("cutoff").asText()),
        Durations.parse(n.path("older_than").asText())
            .orElseThrow(() -> new IllegalStateException("older_than: " + n.get("older_than"))),
        n.path("retain_last").asInt(),
        n.path("dry_run").asBoolean(),
        tables);
  }

  @Override
  public JobStatus status(String jobId) {
    try {
      return status(
          send("GET", "v1/offline/jobs/" + URLEncoder.encode(jobId, StandardCharsets.UTF_8), null));
    } catch (RegistryException e) {
      if (e.kind() == RegistryException.Kind.NOT_FOUND) {
        throw new NoSuchElementException(e.getMessage());
      }
      throw e;
    }
  }

  @Override
  public JobStatus cancel(String jobId) {
    try {
      return status(
          send(
              "DELETE",
              "v1/offline/jobs/" + URLEncoder.encode(jobId, StandardCharsets.UTF_8),
              null));
    } catch (RegistryException e) {
      if (e.kind() == RegistryException.Kind.NOT_FOUND) {
        throw new NoSuchElementException(e.getMessage());
      }
      if (e.kind() == RegistryException.Kind.CONFLICT) {
        throw new IllegalStateException(e.getMessage());
      }
      throw e;
    }
  }

  @Override
  public List<JobStatus> jobs() {
    List<JobStatus> out = new ArrayList<>();
    for (JsonNode j : send("GET", "v1/offline/jobs", null).path("jobs")) {
      out.add(status(j));
    }
    return out;
  }

  @Override
  public void close() {}

  static JobStatus status(JsonNode n) {
    Map<String, Object> details =
        n.hasNonNull("details")
            ? JSON.convertValue(n.get("details"), new TypeReference<Map<String, Object>>() {})
            : Map.of();
    return new JobStatus(
        n.path("id").asText(),
        n.path("kind").asText(),
        JobStatus.State.valueOf(n.path("state").asText()),
        n.path("progress").asDouble(),
        n.path("rows").asLong(),
        n.hasNonNull("output") ? n.get("output").asText() : null,
        n.hasNonNull("error") ? n.get("error").asText() : null,
        n.hasNonNull("submitted_at") ? Instant.parse(n.get("submitted_at").asText()) : null,
        n.hasNonNull("finished_at") ? Instant.parse(n.get("finished_at").asText()) : null,
        details);
  }

  /**
   * Sends one request and returns the JSON answer; a refusal becomes the exception the CLI maps to
   * its exit code, with the server's message (which names the field): 404 a NOT_FOUND registry
   * error (exit 5), 409 a CONFLICT (4), another 4xx an invalid argument (1).
   */
  private JsonNode send(String method, String path, JsonNode body) {
    URI uri = base.resolve(path);
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri).timeout(requestTimeout).header("accept", "application/json");
    if (token != null) {
      b.header("authorization", "Bearer " + token);
    }
    if (body != null) {
      b.header("content-type", "application/json");
      b.method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    HttpResponse<String> res;
    try {
      res = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException | HttpConnectTimeoutException e) {
      throw new ServerUnreachableException(
          "cannot reach the Quiver server at "
              + base
              + (e instanceof HttpConnectTimeoutException
                  ? " (the connection timed out)"
                  : " (connection refused: nothing listens there)")
              + "; start one with 'quiver serve' or 'quiver local', or leave out --server (and"
              + " QUIVER_SERVER) to run the job in this process",
          e);
    } catch (HttpTimeoutException e) {
      // The request reached the server, which may yet act on it: a submission it accepted late
      // runs without this CLI following it, so say how to find (and cancel) it.
      throw new IllegalStateException(
          method
              + " "
              + uri
              + ": the server did not answer within "
              + Durations.format(requestTimeout)
              + ("POST".equals(method)
                  ? " (it may be overloaded); it may still have accepted the request and run the"
                      + " job: list the jobs with GET "
                      + base.resolve("v1/offline/jobs")
                      + " and cancel an unwanted one with DELETE "
                      + base.resolve("v1/offline/jobs/")
                      + "<id>"
                  : " (it may be overloaded); retry"),
          e);
    } catch (IOException e) {
      throw new IllegalStateException(method + " " + uri + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + uri, e);
    }
    JsonNode json;
    try {
      json = res.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(res.body());
    } catch (IOException e) {
      json = null;
    }
    int code = res.statusCode();
    if (code >= 200 && code < 300 && json != null) {
      return json;
    }
    JsonNode error = json == null ? null : json.path("error");
    String message =
        error != null && error.hasNonNull("message")
            ? error.get("message").asText()
            : "HTTP " + code + " from " + uri + ": " + abbreviate(res.body());
    String field = error != null && error.hasNonNull("field") ? error.get("field").asText() : null;
    if (code == 404) {
      throw new RegistryException(RegistryException.Kind.NOT_FOUND, message, field);
    }
    if (code == 409) {
      throw new RegistryException(RegistryException.Kind.CONFLICT, message, field);
    }
    if (code >= 400 && code < 500) {
      throw new IllegalArgumentException(message);
    }
    throw new IllegalStateException("the server at " + base + " answered " + code + ": " + message);
  }

  private static String abbreviate(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "...";
  }

  /** A local path made absolute against this process's working directory. */
  private static String absolute(String path) {
    if (path.contains("://")) {
      return path;
    }
    return Path.of(path).toAbsolutePath().normalize().toString();
  }

  /**
   * Labels and backfill sources are a file path or an Iceberg table name ({@code ns.table}): a path
   * that exists here is sent absolute, anything else as given.
   */
  private static String localPathOrAsIs(String value) {
    try {
      return Files.exists(Path.of(value)) ? absolute(value) : value;
    } catch (InvalidPathException e) {
      return value;
    }
  }

  /**
   * No Quiver server answers at the URL: an everyday mistake, not a bug, so the CLI prints the
   * message (which names the URL and the fix) without the cause chain.
   */
  static final class ServerUnreachableException extends IllegalStateException {
    ServerUnreachableException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
