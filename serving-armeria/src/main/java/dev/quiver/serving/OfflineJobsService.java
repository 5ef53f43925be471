package dev.quiver.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Delete;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import dev.quiver.core.offline.BackfillRequest;
import dev.quiver.core.offline.ExportRequest;
import dev.quiver.core.offline.JobStatus;
import dev.quiver.core.offline.OfflineService;
import dev.quiver.core.offline.OfflineTimes;
import dev.quiver.core.offline.SnapshotExpiry;
import dev.quiver.core.registry.RegistryException;
import dev.quiver.core.spec.Durations;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.Function;

/**
 * Offline jobs over REST ({@code POST /v1/offline/export}, {@code POST /v1/backfill}, {@code GET
 * /v1/offline/jobs[/{id}]}, {@code DELETE /v1/offline/jobs/{id}}), a thin adapter over core's
 * {@link OfflineService}. The serving module never depends on Flink: the launcher passes a
 * Flink-backed service in; without one these routes answer 503 with a message saying how to enable
 * them. Submissions return 202 with the job id and a status URL; long exports are followed by
 * polling the status.
 */
final class OfflineJobsService {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> EXPORT_FIELDS =
      Set.of(
          "namespace",
          "features",
          "feature_service",
          "labels",
          "timestamp_column",
          "reference_times",
          "time_range",
          "output_location",
          "format",
          "manifest",
          "availability_guard");
  private static final Set<String> BACKFILL_FIELDS =
      Set.of(
          "namespace",
          "feature_view",
          "version",
          "time_range",
          "dry_run",
          "online",
          "source",
          "actor");

  private static final Set<String> EXPIRE_FIELDS =
      Set.of("view", "older_than", "retain_last", "dry_run");

  private final OfflineService offline;

  OfflineJobsService(OfflineService offline) {
    this.offline = offline;
  }

  static void register(
      ServerBuilder sb, OfflineService offline, Function<HttpService, HttpService> protect) {
    sb.annotatedService().decorator(protect::apply).build(new OfflineJobsService(offline));
  }

  @Post("/v1/offline/export")
  @Blocking
  public HttpResponse export(ServiceRequestContext ctx, AggregatedHttpRequest req)
      throws IOException {
    refuseQuery(ctx, "POST /v1/offline/export", EXPORT_FIELDS);
    JsonNode body = body(req, EXPORT_FIELDS);
    JsonNode range = object(body, "time_range", Set.of("start", "end", "step"));
    requireOneInput(body, range);
    if (text(body, "output_location") == null) {
      throw ApiException.badRequest(
          "output_location",
          "output_location: missing (expected: the output directory, e.g. \"/data/exports/x\")");
    }
    if (range != null) {
      for (String part : List.of("start", "end", "step")) {
        if (!range.hasNonNull(part)) {
          throw ApiException.badRequest(
              "time_range." + part,
              "time_range."
                  + part
                  + ": missing (expected: start, end and step, e.g."
                  + " {\"start\":\"2025-11-01T00:00:00Z\",\"end\":\"2025-11-02T00:00:00Z\","
                  + "\"step\":\"1h\"})");
        }
      }
    }
    JsonNode r = range == null ? JSON.missingNode() : range;
    Instant start = time(r.path("start"), "time_range.start");
    Instant end = time(r.path("end"), "time_range.end");
    checkRange(start, end, true);
    ExportRequest request =
        validated(
            () ->
                new ExportRequest(
                    text(body, "namespace"),
                    strings(body, "features"),
                    text(body, "labels"),
                    text(body, "timestamp_column"),
                    times(body.path("reference_times"), "reference_times"),
                    start,
                    end,
                    duration(r.path("step"), "time_range.step"),
                    text(body, "output_location"),
                    text(body, "format"),
                    text(body, "manifest"),
                    bool(body, "availability_guard"),
                    text(body, "feature_service")));
    return accepted(
        validated(() -> registryField("features", () -> service().submitExport(request))));
  }

  @Post("/v1/backfill")
  @Blocking
  public HttpResponse backfill(ServiceRequestContext ctx, AggregatedHttpRequest req)
      throws IOException {
    refuseQuery(ctx, "POST /v1/backfill", BACKFILL_FIELDS);
    JsonNode body = body(req, BACKFILL_FIELDS);
    if (text(body, "feature_view") == null) {
      throw ApiException.badRequest(
          "feature_view",
          "feature_view: missing (expected: a feature view name, e.g. \"user_activity\")");
    }
    JsonNode range = object(body, "time_range", Set.of("start", "end"));
    for (String part : List.of("start", "end")) {
      if (range == null || !range.hasNonNull(part)) {
        throw ApiException.badRequest(
            "time_range." + part,
            "time_range."
                + part
                + ": missing (expected: the event-time range [start, end), e.g."
                + " {\"start\":\"2025-10-01T00:00:00Z\",\"end\":\"2025-11-01T00:00:00Z\"})");
      }
    }
    Boolean dryRun = bool(body, "dry_run");
    Boolean online = bool(body, "online");
    Instant start = time(range.path("start"), "time_range.start");
    Instant end = time(range.path("end"), "time_range.end");
    checkRange(start, end, false);
    BackfillRequest request =
        validated(
            () ->
                new BackfillRequest(
                    text(body, "namespace"),
                    text(body, "feature_view"),
                    text(body, "version"),
                    start,
                    end,
                    Boolean.TRUE.equals(dryRun),
                    Boolean.TRUE.equals(online),
                    text(body, "source"),
                    text(body, "actor")));
    return accepted(
        validated(() -> registryField("feature_view", () -> service().submitBackfill(request))));
  }

  /**
   * Expires the offline tables' old snapshots now, in the server's process (the one that holds the
   * warehouse), as {@code quiver snapshots expire} does; answers each table's outcome.
   */
  @Post("/v1/offline/snapshots:expire")
  @Blocking
  public HttpResponse expireSnapshots(ServiceRequestContext ctx, AggregatedHttpRequest req)
      throws IOException {
    refuseQuery(ctx, "POST /v1/offline/snapshots:expire", EXPIRE_FIELDS);
    JsonNode body = body(req, EXPIRE_FIELDS);
    String view = text(body, "view");
    Duration olderThan = duration(body.path("older_than"), "older_than");
    JsonNode keep = body.get("retain_last");
    Integer retainLast = null;
    if (keep != null && !keep.isNull()) {
      if (!keep.canConvertToInt() || !keep.isIntegralNumber() || keep.intValue() < 1) {
        throw ApiException.badRequest(
            "retain_last",
            "retain_last: "
                + keep
                + " (expected: the number of newest snapshots kept of each table, >= 1)");
      }
      retainLast = keep.intValue();
    }
    boolean dryRun = Boolean.TRUE.equals(bool(body, "dry_run"));
    Integer keepLast = retainLast;
    SnapshotExpiry done =
        validated(() -> service().expireSnapshots(view, olderThan, keepLast, dryRun));
    ObjectNode out = JSON.createObjectNode();
    out.put("cutoff", done.cutoff().toString());
    out.put("older_than", Durations.format(done.olderThan()));
    out.put("retain_last", done.retainLast());
    out.put("dry_run", done.dryRun());
    ArrayNode tables = out.putArray("tables");
    for (SnapshotExpiry.Table t : done.tables()) {
      ObjectNode n = tables.addObject();
      n.put("table", t.table());
      n.put("view", t.view());
      n.put("expired", t.expired());
      n.put("remaining", t.remaining());
      n.put("error", t.error());
    }
    return json(HttpStatus.OK, out);
  }

  @Get("/v1/offline/jobs")
  @Blocking
  public HttpResponse jobs(ServiceRequestContext ctx) {
    refuseQuery(ctx, null, Set.of());
    ArrayNode arr = JSON.createArrayNode();
    service().jobs().forEach(j -> arr.add(statusJson(j)));
    ObjectNode out = JSON.createObjectNode();
    out.set("jobs", arr);
    return json(HttpStatus.OK, out);
  }

  @Get("/v1/offline/jobs/{id}")
  @Blocking
  public HttpResponse job(ServiceRequestContext ctx, @Param("id") String id) {
    refuseQuery(ctx, null, Set.of());
    try {
      return json(HttpStatus.OK, statusJson(service().status(id)));
    } catch (NoSuchElementException e) {
      throw ApiException.notFound("id", e.getMessage());
    }
  }

  /**
   * Cancels a queued or running job and answers its status ({@code CANCELLED} once it stopped); 404
   * for an unknown id, 409 for a job that had already finished (nothing to cancel).
   */
  @Delete("/v1/offline/jobs/{id}")
  @Blocking
  public HttpResponse cancel(ServiceRequestContext ctx, @Param("id") String id) {
    refuseQuery(ctx, null, Set.of());
    try {
      return json(HttpStatus.OK, statusJson(service().cancel(id)));
    } catch (NoSuchElementException e) {
      throw ApiException.notFound("id", e.getMessage());
    } catch (IllegalStateException e) {
      throw new ApiException(HttpStatus.CONFLICT, "CONFLICT", "id", e.getMessage());
    }
  }

  private OfflineService service() {
    if (offline == null) {
      throw new ApiException(
          HttpStatus.SERVICE_UNAVAILABLE,
          "OFFLINE_DISABLED",
          null,
          "offline jobs are not enabled on this server; run 'quiver serve' (which wires the Flink"
              + " offline service) or 'quiver local'");
    }
    return offline;
  }

  private static HttpResponse accepted(String id) {
    ObjectNode out = JSON.createObjectNode();
    out.put("job_id", id);
    out.put("status_url", "/v1/offline/jobs/" + id);
    return json(HttpStatus.ACCEPTED, out);
  }

  static ObjectNode statusJson(JobStatus s) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", s.id());
    n.put("kind", s.kind());
    n.put("state", s.state().name());
    n.put("progress", s.progress());
    n.put("rows", s.rows());
    n.put("output", s.output());
    n.put("error", s.error());
    n.put("submitted_at", s.submittedAt() == null ? null : s.submittedAt().toString());
    n.put("finished_at", s.finishedAt() == null ? null : s.finishedAt().toString());
    n.set("details", JSON.valueToTree(s.details()));
    return n;
  }

  private static HttpResponse json(HttpStatus status, JsonNode node) {
    try {
      return HttpResponse.of(status, MediaType.JSON_UTF_8, JSON.writeValueAsBytes(node));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * These routes take no query parameter. Armeria ignored them: {@code POST
   * /v1/backfill?dry_run=true} (the registry's POST takes {@code ?dry_run=true}) ran a real
   * backfill, and {@code GET /v1/offline/jobs?state=FAILED} listed every job.
   *
   * @param route the POST route whose body takes the options, or null for a GET or DELETE
   */
  private static void refuseQuery(ServiceRequestContext ctx, String route, Set<String> fields) {
    for (String name : ctx.queryParams().names()) {
      String value = ctx.queryParams().get(name, "");
      String asField =
          value.equals("true") || value.equals("false")
              ? value
              : JSON.getNodeFactory().textNode(value).toString();
      throw ApiException.badRequest(
          name,
          "unknown query parameter '"
              + name
              + "' (expected: none"
              + (route == null
                  ? ")"
                  : "; "
                      + route
                      + " takes its options as fields of its JSON body"
                      + (fields.contains(name) ? ": \"" + name + "\": " + asField : "")
                      + ")"));
    }
  }

  private static JsonNode body(AggregatedHttpRequest req, Set<String> known) throws IOException {
    JsonBodyType.check(req.headers());
    String content = req.contentUtf8();
    if (content.isBlank()) {
      throw ApiException.badRequest(null, "empty body (expected: a JSON object)");
    }
    JsonNode body = JSON.readTree(content);
    if (body == null || !body.isObject()) {
      throw ApiException.badRequest(null, "body: expected a JSON object");
    }
    Iterator<String> names = body.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!known.contains(name)) {
        throw ApiException.badRequest(
            name,
            name + ": unknown field (expected one of " + known.stream().sorted().toList() + ")");
      }
    }
    return body;
  }

  /** The export inputs, in the REST API's names; exactly one must be given. */
  private static void requireOneInput(JsonNode body, JsonNode range) {
    JsonNode times = body.path("reference_times");
    if (!times.isMissingNode() && !times.isNull() && !times.isArray()) {
      // a single time given as a string was counted as no input ("labels: missing")
      throw ApiException.badRequest(
          "reference_times",
          "reference_times: "
              + times
              + " (expected: an array of ISO-8601 times, e.g. [\"2025-11-01T00:00:00Z\"])");
    }
    if (times.isArray() && times.isEmpty()) {
      // was counted as no input, and reported as "labels: missing"
      throw ApiException.badRequest(
          "reference_times",
          "reference_times: [] (expected: at least one ISO-8601 time, e.g."
              + " [\"2025-11-01T00:00:00Z\"])");
    }
    List<String> given = new ArrayList<>();
    if (body.hasNonNull("labels")) {
      given.add("labels");
    }
    if (body.path("reference_times").size() > 0) {
      given.add("reference_times");
    }
    if (range != null) {
      given.add("time_range");
    }
    if (body.hasNonNull("manifest")) {
      given.add("manifest");
    }
    if (given.size() != 1) {
      throw ApiException.badRequest(
          given.isEmpty() ? "labels" : given.get(1),
          "labels: "
              + (given.isEmpty() ? "missing" : "ambiguous")
              + " (expected exactly one of labels, reference_times, time_range or manifest"
              + (given.isEmpty() ? "" : "; got " + String.join(" and ", given))
              + ")");
    }
  }

  /**
   * Runs a request's construction or submission and turns core's {@link IllegalArgumentException}
   * (whose message starts with core's name of the field) into a 400 naming the REST field.
   */
  private static <T> T validated(java.util.function.Supplier<T> action) {
    try {
      return action.get();
    } catch (IllegalArgumentException e) {
      String message = e.getMessage() == null ? e.toString() : e.getMessage();
      int colon = message.indexOf(':');
      String core = colon > 0 ? message.substring(0, colon) : "";
      String field = REST_FIELDS.get(core);
      if (field == null) {
        throw ApiException.badRequest(null, message);
      }
      throw ApiException.badRequest(field, field + message.substring(colon));
    }
  }

  /**
   * A registry refusal of a submission (an unknown view or version: 404) names the request's field,
   * not the registry's ({@code name}): {@code viewField} for the view, {@code version} for a
   * backfill's version; an export names both in {@code features}.
   */
  private static <T> T registryField(String viewField, java.util.function.Supplier<T> action) {
    try {
      return action.get();
    } catch (RegistryException e) {
      String field = e.field();
      if ("name".equals(field) || ("version".equals(field) && viewField.equals("features"))) {
        field = viewField;
      }
      throw new RegistryException(e.kind(), e.getMessage(), field);
    }
  }

  /** Core's field names (shared with the CLI's options) to this API's. */
  private static final java.util.Map<String, String> REST_FIELDS =
      java.util.Map.ofEntries(
          java.util.Map.entry("features", "features"),
          java.util.Map.entry("feature_service", "feature_service"),
          java.util.Map.entry("labels", "labels"),
          java.util.Map.entry("labels.timestamp_column", "timestamp_column"),
          java.util.Map.entry("timestamp_column", "timestamp_column"),
          java.util.Map.entry("times", "reference_times"),
          java.util.Map.entry("output", "output_location"),
          java.util.Map.entry("format", "format"),
          java.util.Map.entry("manifest", "manifest"),
          java.util.Map.entry("view", "feature_view"),
          // snapshot retention names its view as the CLI's parameter VIEW; the REST field is view
          java.util.Map.entry("VIEW", "view"),
          java.util.Map.entry("retain-last", "retain_last"),
          java.util.Map.entry("version", "version"),
          java.util.Map.entry("from", "time_range.start"),
          java.util.Map.entry("to", "time_range.end"),
          java.util.Map.entry("step", "time_range.step"),
          java.util.Map.entry("source", "source"),
          java.util.Map.entry("namespace", "namespace"));

  /** An optional JSON object field with known members; null when absent. */
  private static JsonNode object(JsonNode body, String field, Set<String> members) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isObject()) {
      throw ApiException.badRequest(
          field,
          field
              + ": "
              + n
              + " (expected: an object with "
              + members.stream().sorted().toList()
              + ")");
    }
    Iterator<String> names = n.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!members.contains(name)) {
        throw ApiException.badRequest(
            field + "." + name,
            field
                + "."
                + name
                + ": unknown field (expected one of "
                + members.stream().sorted().toList()
                + ")");
      }
    }
    return n;
  }

  /**
   * An optional JSON boolean; null when absent. A string such as "yes" is refused, not read as
   * false.
   */
  private static Boolean bool(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isBoolean()) {
      throw ApiException.badRequest(field, field + ": " + n + " (expected: true or false)");
    }
    return n.booleanValue();
  }

  private static String text(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isTextual()) {
      throw ApiException.badRequest(field, field + ": " + n + " (expected: a string)");
    }
    return n.asText();
  }

  private static List<String> strings(JsonNode body, String field) {
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return List.of();
    }
    if (!n.isArray()) {
      throw ApiException.badRequest(field, field + ": " + n + " (expected: an array of strings)");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode item : n) {
      if (!item.isTextual()) {
        throw ApiException.badRequest(field, field + ": " + item + " (expected: a string)");
      }
      out.add(item.asText());
    }
    return out;
  }

  private static List<Instant> times(JsonNode n, String field) {
    if (n.isMissingNode() || n.isNull()) {
      return List.of();
    }
    if (!n.isArray()) {
      throw ApiException.badRequest(field, field + ": " + n + " (expected: an array of times)");
    }
    List<Instant> out = new ArrayList<>();
    for (int i = 0; i < n.size(); i++) {
      String element = field + "[" + i + "]";
      // a null element was kept as a null time, which failed the request with a 500
      // (NullPointerException) when it was copied into the export request
      if (n.get(i).isNull()) {
        throw ApiException.badRequest(element, element + ": null " + EXPECTED_TIME);
      }
      out.add(time(n.get(i), element));
    }
    return out;
  }

  private static final String EXPECTED_TIME =
      "(expected: an ISO-8601 time such as 2025-11-25T12:00:00Z or"
          + " 2025-11-25T13:00:00+01:00, or a date 2025-11-25 or a time 2025-11-25T12:00"
          + " without a zone, read as UTC)";

  private static Instant time(JsonNode n, String field) {
    if (n.isMissingNode() || n.isNull()) {
      return null;
    }
    if (n.isContainerNode()) {
      // an object or array has no text: it was quoted as '' in the message
      throw ApiException.badRequest(field, field + ": " + n + " " + EXPECTED_TIME);
    }
    Instant t;
    try {
      // a date alone or a time without a zone is UTC, as in CSV label files
      t = OfflineTimes.parse(n.asText());
    } catch (DateTimeParseException e) {
      throw ApiException.badRequest(field, field + ": '" + n.asText() + "' " + EXPECTED_TIME);
    }
    try {
      return OfflineTimes.check(field, t);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(field, e.getMessage());
    }
  }

  /**
   * A {@code time_range} whose end is before its start, refused naming this API's fields (core
   * names them from/to).
   */
  private static void checkRange(Instant start, Instant end, boolean endIncluded) {
    try {
      OfflineTimes.checkRange("time_range.start", start, "time_range.end", end, endIncluded);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("time_range.end", e.getMessage());
    }
  }

  private static Duration duration(JsonNode n, String field) {
    if (n.isMissingNode() || n.isNull()) {
      return null;
    }
    return Durations.parse(n.asText())
        .orElseThrow(
            () ->
                ApiException.badRequest(
                    field,
                    field + ": '" + n.asText() + "' (expected: a duration such as 1h or 1d)"));
  }
}
