package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.core.offline.BackfillRequest;
import dev.quiver.core.offline.ExportRequest;
import dev.quiver.core.offline.JobStatus;
import dev.quiver.core.offline.OfflineService;
import dev.quiver.core.registry.testing.InMemoryFeatureRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The offline REST routes on a real server: request mapping to core's {@link OfflineService}
 * records, 202 with a status URL, job status, and the 4xx/503 error bodies. The service behind them
 * here is a recording stand-in; the Flink implementation has its own ITCases in iceberg-tables.
 */
class OfflineJobsRestITCase {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /** Records what it is asked and reports every job as SUCCEEDED. */
  static final class RecordingOfflineService implements OfflineService {
    final List<Object> requests = new CopyOnWriteArrayList<>();

    @Override
    public String submitExport(ExportRequest request) {
      if (request.features().contains("gone.x")) {
        // what FlinkOfflineService's registry says of an unknown view
        throw new dev.quiver.core.registry.RegistryException(
            dev.quiver.core.registry.RegistryException.Kind.NOT_FOUND,
            "unknown feature view 'default.gone'",
            "name");
      }
      requests.add(request);
      return "exp-" + requests.size();
    }

    @Override
    public dev.quiver.core.offline.SnapshotExpiry expireSnapshots(
        String view, Duration olderThan, Integer retainLast, boolean dryRun) {
      if ("gone".equals(view)) {
        throw new IllegalArgumentException("VIEW: 'gone' has no offline table in this warehouse");
      }
      requests.add(java.util.Arrays.asList(view, olderThan, retainLast, dryRun));
      Duration age = olderThan == null ? Duration.ofDays(7) : olderThan;
      return new dev.quiver.core.offline.SnapshotExpiry(
          Instant.parse("2025-11-01T00:00:00Z"),
          age,
          retainLast == null ? 100 : retainLast,
          dryRun,
          List.of(
              new dev.quiver.core.offline.SnapshotExpiry.Table(
                  "quiver.user_activity_v1", "default.user_activity", 3, 2, null)));
    }

    @Override
    public String submitBackfill(BackfillRequest request) {
      if (request.view().equals("gone")) {
        throw new dev.quiver.core.registry.RegistryException(
            dev.quiver.core.registry.RegistryException.Kind.NOT_FOUND,
            "unknown feature view 'default.gone'",
            "name");
      }
      if (request.view().equals("nope")) {
        throw new IllegalArgumentException("view: 'nope' is not a feature view");
      }
      requests.add(request);
      return "bf-" + requests.size();
    }

    @Override
    public JobStatus status(String jobId) {
      if (!jobId.startsWith("exp-") && !jobId.startsWith("bf-")) {
        throw new NoSuchElementException("no offline job '" + jobId + "'");
      }
      return new JobStatus(
          jobId,
          jobId.startsWith("exp-") ? "export" : "backfill",
          JobStatus.State.SUCCEEDED,
          1.0,
          42,
          "/tmp/out",
          null,
          Instant.parse("2025-11-25T12:00:00Z"),
          Instant.parse("2025-11-25T12:00:01Z"),
          Map.of("snapshot_id", 7L));
    }

    /** Export jobs are running (they cancel); backfills have finished (a conflict). */
    @Override
    public JobStatus cancel(String jobId) {
      JobStatus s = status(jobId);
      if (!jobId.startsWith("exp-")) {
        throw new IllegalStateException(
            "job '" + jobId + "' already SUCCEEDED (only a QUEUED or RUNNING job cancels)");
      }
      return new JobStatus(
          s.id(),
          s.kind(),
          JobStatus.State.CANCELLED,
          0.5,
          21,
          s.output(),
          null,
          s.submittedAt(),
          s.finishedAt(),
          Map.of());
    }

    @Override
    public List<JobStatus> jobs() {
      List<JobStatus> out = new ArrayList<>();
      for (int i = requests.size(); i >= 1; i--) {
        Object r = requests.get(i - 1);
        out.add(status((r instanceof ExportRequest ? "exp-" : "bf-") + i));
      }
      return out;
    }

    @Override
    public void close() {}
  }

  record Reply(int status, JsonNode body) {}

  static Reply call(int port, String method, String path, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10));
    if (method.equals("POST")) {
      b.header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    } else if (!method.equals("GET")) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), JSON.readTree(r.body()));
  }

  static QuiverServer server(OfflineService offline) {
    return QuiverServer.newServer(
            ServerOptions.defaults().withPort(0),
            new InMemoryFeatureRegistry(),
            new InMemoryFeatureSource(),
            Authorizer.ALLOW_ALL,
            new ServingMetrics(),
            offline)
        .startAndWait();
  }

  /** Review, session 17: an export took only a feature list, not a model's feature service. */
  @Test
  void anExportNamesAFeatureServiceInsteadOfFeatures() throws Exception {
    RecordingOfflineService offline = new RecordingOfflineService();
    try (QuiverServer s = server(offline)) {
      Reply export =
          call(
              s.port(),
              "POST",
              "/v1/offline/export",
              "{\"feature_service\":\"fraud_model\",\"labels\":\"/tmp/labels.csv\","
                  + "\"timestamp_column\":\"ts\",\"output_location\":\"/tmp/out\"}");
      assertThat(export.status()).isEqualTo(202);
      ExportRequest er = (ExportRequest) offline.requests.get(0);
      assertThat(er.featureService()).isEqualTo("fraud_model");
      assertThat(er.features()).isEmpty();

      Reply both =
          call(
              s.port(),
              "POST",
              "/v1/offline/export",
              "{\"feature_service\":\"fraud_model\",\"features\":[\"a.b\"],"
                  + "\"labels\":\"/tmp/labels.csv\",\"output_location\":\"/tmp/out\"}");
      assertThat(both.status()).isEqualTo(400);
      assertThat(both.body().at("/error/field").asText()).isEqualTo("feature_service");
      assertThat(both.body().at("/error/message").asText())
          .isEqualTo(
              "feature_service: 'fraud_model' with features [a.b] (expected: one of them: the"
                  + " service's features, or the features listed)");
      Reply neither =
          call(
              s.port(),
              "POST",
              "/v1/offline/export",
              "{\"labels\":\"/tmp/labels.csv\",\"output_location\":\"/tmp/out\"}");
      assertThat(neither.status()).isEqualTo(400);
      assertThat(neither.body().at("/error/field").asText()).isEqualTo("features");
      assertThat(offline.requests).hasSize(1);
    }
  }

  @Test
  void exportAndBackfillBecomeJobsWithStatus() throws Exception {
    RecordingOfflineService offline = new RecordingOfflineService();
    try (QuiverServer s = server(offline)) {
      Reply export =
          call(
              s.port(),
              "POST",
              "/v1/offline/export",
              "{\"features\":[\"user_activity.txn_count_7d\"],\"time_range\":{\"start\":"
                  + "\"2025-11-01T00:00:00Z\",\"end\":\"2025-11-02T00:00:00Z\",\"step\":\"1h\"},"
                  + "\"output_location\":\"/tmp/out\"}");
      assertThat(export.status()).isEqualTo(202);
      assertThat(export.body().get("job_id").asText()).isEqualTo("exp-1");
      assertThat(export.body().get("status_url").asText()).isEqualTo("/v1/offline/jobs/exp-1");
      ExportRequest er = (ExportRequest) offline.requests.get(0);
      assertThat(er.features()).containsExactly("user_activity.txn_count_7d");
      assertThat(er.from()).isEqualTo(Instant.parse("2025-11-01T00:00:00Z"));
      assertThat(er.step()).isEqualTo(Duration.ofHours(1));
      assertThat(er.output()).isEqualTo("/tmp/out");

      Reply backfill =
          call(
              s.port(),
              "POST",
              "/v1/backfill",
              "{\"feature_view\":\"user_activity\",\"version\":\"v1\",\"dry_run\":true,"
                  + "\"time_range\":{\"start\":\"2025-10-01T00:00:00Z\","
                  + "\"end\":\"2025-11-01T00:00:00Z\"}}");
      assertThat(backfill.status()).isEqualTo(202);
      BackfillRequest br = (BackfillRequest) offline.requests.get(1);
      assertThat(br.view()).isEqualTo("user_activity");
      assertThat(br.version()).isEqualTo("v1");
      assertThat(br.dryRun()).isTrue();
      assertThat(br.online()).isFalse();

      Reply status = call(s.port(), "GET", "/v1/offline/jobs/exp-1", null);
      assertThat(status.status()).isEqualTo(200);
      assertThat(status.body().get("state").asText()).isEqualTo("SUCCEEDED");
      assertThat(status.body().get("rows").asLong()).isEqualTo(42);
      assertThat(status.body().at("/details/snapshot_id").asLong()).isEqualTo(7);

      Reply all = call(s.port(), "GET", "/v1/offline/jobs", null);
      assertThat(all.body().get("jobs")).hasSize(2);
      assertThat(all.body().get("jobs").get(0).get("id").asText()).isEqualTo("bf-2");
    }
  }

  @Test
  void badRequestsGetTheDocumentedErrorBody() throws Exception {
    RecordingOfflineService offline = new RecordingOfflineService();
    try (QuiverServer s = server(offline)) {
      Reply malformed = call(s.port(), "POST", "/v1/offline/export", "{\"features\": [");
      assertThat(malformed.status()).isEqualTo(400);
      assertThat(malformed.body().at("/error/message").asText()).contains("malformed JSON");

      Reply ambiguous =
          call(
              s.port(),
              "POST",
              "/v1/offline/export",
              "{\"features\":[\"a.b\"],\"labels\":\"l.parquet\","
                  + "\"reference_times\":[\"2025-11-01T00:00:00Z\"],\"output_location\":\"/o\"}");
      assertThat(ambiguous.status()).isEqualTo(400);
      assertThat(ambiguous.body().at("/error/message").asText())
          .contains("labels: ambiguous (expected exactly one of labels");

      Reply badTime =
          call(
              s.port(),
              "POST",
              "/v1/backfill",
              "{\"feature_view\":\"v\",\"time_range\":{\"start\":\"yesterday\","
                  + "\"end\":\"2025-11-01T00:00:00Z\"}}");
      assertThat(badTime.status()).isEqualTo(400);
      assertThat(badTime.body().at("/error/field").asText()).isEqualTo("time_range.start");
      assertThat(badTime.body().at("/error/message").asText()).contains("ISO-8601");

      Reply unknownField =
          call(s.port(), "POST", "/v1/backfill", "{\"feature_view\":\"v\",\"form\":\"x\"}");
      assertThat(unknownField.status()).isEqualTo(400);
      assertThat(unknownField.body().at("/error/field").asText()).isEqualTo("form");

      Reply unknownView =
          call(
              s.port(),
              "POST",
              "/v1/backfill",
              "{\"feature_view\":\"nope\",\"time_range\":{\"start\":\"2025-10-01T00:00:00Z\","
                  + "\"end\":\"2025-11-01T00:00:00Z\"}}");
      assertThat(unknownView.status()).isEqualTo(400);
      assertThat(unknownView.body().at("/error/message").asText()).contains("'nope'");

      // the registry's 404 for an unknown view names the request's field (session 9: "name")
      Reply goneView =
          call(
              s.port(),
              "POST",
              "/v1/backfill",
              "{\"feature_view\":\"gone\",\"time_range\":{\"start\":\"2025-10-01T00:00:00Z\","
                  + "\"end\":\"2025-11-01T00:00:00Z\"}}");
      assertThat(goneView.status()).isEqualTo(404);
      assertThat(goneView.body().at("/error/field").asText()).isEqualTo("feature_view");
      Reply goneFeature =
          call(
              s.port(),
              "POST",
              "/v1/offline/export",
              "{\"features\":[\"gone.x\"],\"reference_times\":[\"2025-11-01T00:00:00Z\"],"
                  + "\"output_location\":\"/o\"}");
      assertThat(goneFeature.status()).isEqualTo(404);
      assertThat(goneFeature.body().at("/error/field").asText()).isEqualTo("features");

      Reply missingJob = call(s.port(), "GET", "/v1/offline/jobs/zzz", null);
      assertThat(missingJob.status()).isEqualTo(404);
      assertThat(missingJob.body().at("/error/message").asText()).contains("'zzz'");
      assertThat(offline.requests).isEmpty();
    }
  }

  /** What {@code curl -d} sends without a content type: a form, refused as the lookups do. */
  static Reply post(int port, String path, String contentType, String encoding, byte[] body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      b.header("content-type", contentType);
    }
    if (encoding != null) {
      b.header("content-encoding", encoding);
    }
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), JSON.readTree(r.body()));
  }

  @Test
  void aNonJsonBodyIs415AndAGzipOrUntypedJsonBodyIsRead() throws Exception {
    RecordingOfflineService offline = new RecordingOfflineService();
    String backfill =
        "{\"feature_view\":\"user_activity\",\"dry_run\":true,\"time_range\":"
            + "{\"start\":\"2025-10-01T00:00:00Z\",\"end\":\"2025-11-01T00:00:00Z\"}}";
    byte[] bytes = backfill.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    try (QuiverServer s = server(offline)) {
      for (String path : List.of("/v1/offline/export", "/v1/backfill")) {
        Reply form = post(s.port(), path, "application/x-www-form-urlencoded", null, bytes);
        assertThat(form.status()).as(path).isEqualTo(415);
        assertThat(form.body().at("/error/code").asText()).isEqualTo("UNSUPPORTED_MEDIA_TYPE");
        assertThat(form.body().at("/error/message").asText())
            .contains("application/x-www-form-urlencoded")
            .contains("-H 'content-type: application/json'");
        Reply br = post(s.port(), path, "application/json", "br", bytes);
        assertThat(br.status()).as(path).isEqualTo(415);
        assertThat(br.body().at("/error/message").asText()).contains("content-encoding: 'br'");
      }
      assertThat(offline.requests).isEmpty();

      java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
      try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
        out.write(bytes);
      }
      Reply gzip = post(s.port(), "/v1/backfill", "application/json", "gzip", gz.toByteArray());
      assertThat(gzip.status()).isEqualTo(202);
      Reply untyped = post(s.port(), "/v1/backfill", null, null, bytes);
      assertThat(untyped.status()).isEqualTo(202);
      assertThat(offline.requests).hasSize(2);
      assertThat(((BackfillRequest) offline.requests.get(0)).view()).isEqualTo("user_activity");
    }
  }

  @Test
  void snapshotsExpireRunsInTheServerAndAnswersEachTable() throws Exception {
    RecordingOfflineService offline = new RecordingOfflineService();
    try (QuiverServer s = server(offline)) {
      Reply done =
          call(
              s.port(),
              "POST",
              "/v1/offline/snapshots:expire",
              "{\"view\":\"user_activity\",\"older_than\":\"2d\",\"retain_last\":5,"
                  + "\"dry_run\":true}");
      assertThat(done.status()).isEqualTo(200);
      assertThat(offline.requests.get(0))
          .isEqualTo(java.util.Arrays.asList("user_activity", Duration.ofDays(2), 5, true));
      assertThat(done.body().get("dry_run").asBoolean()).isTrue();
      assertThat(done.body().get("older_than").asText()).isEqualTo("2d");
      assertThat(done.body().at("/tables/0/table").asText()).isEqualTo("quiver.user_activity_v1");
      assertThat(done.body().at("/tables/0/expired").asInt()).isEqualTo(3);
      assertThat(done.body().at("/tables/0/remaining").asInt()).isEqualTo(2);

      Reply defaults = call(s.port(), "POST", "/v1/offline/snapshots:expire", "{}");
      assertThat(defaults.status()).isEqualTo(200);
      assertThat(offline.requests.get(1))
          .isEqualTo(java.util.Arrays.asList(null, null, null, false));

      Reply zero = call(s.port(), "POST", "/v1/offline/snapshots:expire", "{\"retain_last\":0}");
      assertThat(zero.status()).isEqualTo(400);
      assertThat(zero.body().at("/error/field").asText()).isEqualTo("retain_last");
      Reply age = call(s.port(), "POST", "/v1/offline/snapshots:expire", "{\"older_than\":\"x\"}");
      assertThat(age.body().at("/error/field").asText()).isEqualTo("older_than");
      Reply gone = call(s.port(), "POST", "/v1/offline/snapshots:expire", "{\"view\":\"gone\"}");
      assertThat(gone.status()).isEqualTo(400);
      assertThat(gone.body().at("/error/field").asText()).isEqualTo("view");
      assertThat(gone.body().at("/error/message").asText()).startsWith("view: 'gone'");
      assertThat(offline.requests).hasSize(2);
    }
    try (QuiverServer s = server(null)) {
      assertThat(call(s.port(), "POST", "/v1/offline/snapshots:expire", "{}").status())
          .isEqualTo(503);
    }
  }

  @Test
  void deleteCancelsAJobAndNamesAnUnknownOrFinishedOne() throws Exception {
    try (QuiverServer s = server(new RecordingOfflineService())) {
      Reply cancelled = call(s.port(), "DELETE", "/v1/offline/jobs/exp-1", null);
      assertThat(cancelled.status()).isEqualTo(200);
      assertThat(cancelled.body().get("id").asText()).isEqualTo("exp-1");
      assertThat(cancelled.body().get("state").asText()).isEqualTo("CANCELLED");

      Reply unknown = call(s.port(), "DELETE", "/v1/offline/jobs/zzz", null);
      assertThat(unknown.status()).isEqualTo(404);
      assertThat(unknown.body().at("/error/field").asText()).isEqualTo("id");
      assertThat(unknown.body().at("/error/message").asText()).contains("'zzz'");

      Reply finished = call(s.port(), "DELETE", "/v1/offline/jobs/bf-1", null);
      assertThat(finished.status()).isEqualTo(409);
      assertThat(finished.body().at("/error/field").asText()).isEqualTo("id");
      assertThat(finished.body().at("/error/message").asText()).contains("already SUCCEEDED");
    }
    try (QuiverServer s = server(null)) {
      assertThat(call(s.port(), "DELETE", "/v1/offline/jobs/exp-1", null).status()).isEqualTo(503);
    }
  }

  @Test
  void wrongTypesAndMissingFieldsAreRefusedNamingTheRestField() throws Exception {
    RecordingOfflineService offline = new RecordingOfflineService();
    String range =
        "\"time_range\":{\"start\":\"2025-10-01T00:00:00Z\",\"end\":\"2025-11-01T00:00:00Z\"}";
    try (QuiverServer s = server(offline)) {
      // "yes" is not a boolean: it must not be read as false (which would run a real backfill).
      Reply dryRunText =
          call(
              s.port(),
              "POST",
              "/v1/backfill",
              "{\"feature_view\":\"v\"," + range + ",\"dry_run\":\"yes\"}");
      assertThat(dryRunText.status()).isEqualTo(400);
      assertThat(dryRunText.body().at("/error/field").asText()).isEqualTo("dry_run");
      assertThat(dryRunText.body().at("/error/message").asText()).contains("true or false");

      Reply onlineNumber =
          call(
              s.port(),
              "POST",
              "/v1/backfill",
              "{\"feature_view\":\"v\"," + range + ",\"online\":1}");
      assertThat(onlineNumber.body().at("/error/field").asText()).isEqualTo("online");

      Reply noView = call(s.port(), "POST", "/v1/backfill", "{" + range + "}");
      assertThat(noView.status()).isEqualTo(400);
      assertThat(noView.body().at("/error/field").asText()).isEqualTo("feature_view");

      Reply noRange = call(s.port(), "POST", "/v1/backfill", "{\"feature_view\":\"v\"}");
      assertThat(noRange.status()).isEqualTo(400);
      assertThat(noRange.body().at("/error/field").asText()).isEqualTo("time_range.start");

      Reply reversed =
          call(
              s.port(),
              "POST",
              "/v1/backfill",
              "{\"feature_view\":\"v\",\"time_range\":{\"start\":\"2025-11-01T00:00:00Z\","
                  + "\"end\":\"2025-10-01T00:00:00Z\"}}");
      assertThat(reversed.status()).isEqualTo(400);
      assertThat(reversed.body().at("/error/field").asText()).isEqualTo("time_range.end");
      // the message names the REST fields (QA pass, session 12: "(expected: after from ...)")
      assertThat(reversed.body().at("/error/message").asText())
          .isEqualTo(
              "time_range.end: 2025-10-01T00:00:00Z (expected: after time_range.start"
                  + " 2025-11-01T00:00:00Z; swap them)");
      Reply reversedExport =
          call(
              s.port(),
              "POST",
              "/v1/offline/export",
              "{\"features\":[\"a.b\"],\"output_location\":\"/o\",\"time_range\":{\"start\":"
                  + "\"2025-11-01T00:00:00Z\",\"end\":\"2025-10-01T00:00:00Z\",\"step\":\"1h\"}}");
      assertThat(reversedExport.status()).isEqualTo(400);
      assertThat(reversedExport.body().at("/error/field").asText()).isEqualTo("time_range.end");
      assertThat(reversedExport.body().at("/error/message").asText())
          .isEqualTo(
              "time_range.end: 2025-10-01T00:00:00Z (expected: at or after time_range.start"
                  + " 2025-11-01T00:00:00Z; swap them)");

      Reply unknownView =
          call(s.port(), "POST", "/v1/backfill", "{\"feature_view\":\"nope\"," + range + "}");
      assertThat(unknownView.body().at("/error/field").asText()).isEqualTo("feature_view");
      assertThat(unknownView.body().at("/error/message").asText()).startsWith("feature_view: ");

      Reply rangeText =
          call(
              s.port(),
              "POST",
              "/v1/offline/export",
              "{\"features\":[\"a.b\"],\"time_range\":\"yesterday\",\"output_location\":\"/o\"}");
      assertThat(rangeText.status()).isEqualTo(400);
      assertThat(rangeText.body().at("/error/field").asText()).isEqualTo("time_range");

      Reply noStep =
          call(
              s.port(),
              "POST",
              "/v1/offline/export",
              "{\"features\":[\"a.b\"]," + range + ",\"output_location\":\"/o\"}");
      assertThat(noStep.body().at("/error/field").asText()).isEqualTo("time_range.step");

      Reply noOutput =
          call(
              s.port(),
              "POST",
              "/v1/offline/export",
              "{\"features\":[\"a.b\"],\"reference_times\":[\"2025-11-01T00:00:00Z\"]}");
      assertThat(noOutput.body().at("/error/field").asText()).isEqualTo("output_location");

      Reply noInput =
          call(
              s.port(),
              "POST",
              "/v1/offline/export",
              "{\"features\":[\"a.b\"],\"output_location\":\"/o\"}");
      assertThat(noInput.body().at("/error/message").asText())
          .contains("labels, reference_times, time_range or manifest");

      Reply guardText =
          call(
              s.port(),
              "POST",
              "/v1/offline/export",
              "{\"features\":[\"a.b\"],\"reference_times\":[\"2025-11-01T00:00:00Z\"],"
                  + "\"output_location\":\"/o\",\"availability_guard\":\"no\"}");
      assertThat(guardText.body().at("/error/field").asText()).isEqualTo("availability_guard");

      Reply badFormat =
          call(
              s.port(),
              "POST",
              "/v1/offline/export",
              "{\"features\":[\"a.b\"],\"reference_times\":[\"2025-11-01T00:00:00Z\"],"
                  + "\"output_location\":\"/o\",\"format\":\"xlsx\"}");
      assertThat(badFormat.body().at("/error/field").asText()).isEqualTo("format");

      // session 9: a zero step named no field, and features beside a manifest were ignored
      Reply zeroStep =
          call(
              s.port(),
              "POST",
              "/v1/offline/export",
              "{\"features\":[\"a.b\"],\"time_range\":{\"start\":\"2025-11-01T00:00:00Z\","
                  + "\"end\":\"2025-11-02T00:00:00Z\",\"step\":\"0m\"},\"output_location\":\"/o\"}");
      assertThat(zeroStep.status()).isEqualTo(400);
      assertThat(zeroStep.body().at("/error/field").asText()).isEqualTo("time_range.step");
      assertThat(zeroStep.body().at("/error/message").asText())
          .startsWith("time_range.step: 0s (expected: a positive step");
      Reply featuresAndManifest =
          call(
              s.port(),
              "POST",
              "/v1/offline/export",
              "{\"features\":[\"a.b\"],\"manifest\":\"/o/_manifest.json\",\"output_location\":\"/o2\"}");
      assertThat(featuresAndManifest.status()).isEqualTo(400);
      assertThat(featuresAndManifest.body().at("/error/field").asText()).isEqualTo("features");
      assertThat(featuresAndManifest.body().at("/error/message").asText())
          .contains("a rebuild exports exactly the manifest's features");
      // session 10: one time as a string (not an array) was reported as "labels: missing"
      Reply timeText =
          call(
              s.port(),
              "POST",
              "/v1/offline/export",
              "{\"features\":[\"a.b\"],\"reference_times\":\"2025-11-01T00:00:00Z\","
                  + "\"output_location\":\"/o\"}");
      assertThat(timeText.status()).isEqualTo(400);
      assertThat(timeText.body().at("/error/field").asText()).isEqualTo("reference_times");
      assertThat(timeText.body().at("/error/message").asText())
          .isEqualTo(
              "reference_times: \"2025-11-01T00:00:00Z\" (expected: an array of ISO-8601 times,"
                  + " e.g. [\"2025-11-01T00:00:00Z\"])");
      // review, session 17: an empty array was reported as "labels: missing", and an object-store
      // URI was written to a local folder named after it
      Reply noTimes =
          call(
              s.port(),
              "POST",
              "/v1/offline/export",
              "{\"features\":[\"a.b\"],\"reference_times\":[],\"output_location\":\"/o\"}");
      assertThat(noTimes.status()).isEqualTo(400);
      assertThat(noTimes.body().at("/error/field").asText()).isEqualTo("reference_times");
      assertThat(noTimes.body().at("/error/message").asText())
          .isEqualTo(
              "reference_times: [] (expected: at least one ISO-8601 time, e.g."
                  + " [\"2025-11-01T00:00:00Z\"])");
      Reply s3 =
          call(
              s.port(),
              "POST",
              "/v1/offline/export",
              "{\"features\":[\"a.b\"],\"reference_times\":[\"2025-11-01T00:00:00Z\"],"
                  + "\"output_location\":\"s3://bucket/x\"}");
      assertThat(s3.status()).isEqualTo(400);
      assertThat(s3.body().at("/error/field").asText()).isEqualTo("output_location");
      assertThat(s3.body().at("/error/message").asText())
          .startsWith("output_location: 's3://bucket/x' is a URI of scheme 's3' (expected: a");
      assertThat(offline.requests).isEmpty();
    }
  }

  /**
   * Times as CSV label files give them: a date alone is its start in UTC, a time without a zone is
   * UTC, an offset is honoured (QA pass, session 12: only a full instant was accepted here).
   */
  @Test
  void aDateAloneOrAZoneLessTimeIsReadAsUtc() throws Exception {
    RecordingOfflineService offline = new RecordingOfflineService();
    try (QuiverServer s = server(offline)) {
      Reply export =
          call(
              s.port(),
              "POST",
              "/v1/offline/export",
              "{\"features\":[\"a.b\"],\"reference_times\":[\"2025-11-01\","
                  + "\"2025-11-01T12:30\",\"2025-11-01 12:30:00+0100\"],\"output_location\":\"/o\"}");
      assertThat(export.status()).as(export.body().toString()).isEqualTo(202);
      assertThat(((ExportRequest) offline.requests.get(0)).times())
          .containsExactly(
              Instant.parse("2025-11-01T00:00:00Z"),
              Instant.parse("2025-11-01T12:30:00Z"),
              Instant.parse("2025-11-01T11:30:00Z"));
      Reply backfill =
          call(
              s.port(),
              "POST",
              "/v1/backfill",
              "{\"feature_view\":\"v\",\"time_range\":{\"start\":\"2025-10-01\","
                  + "\"end\":\"2025-11-01T06:00\"}}");
      assertThat(backfill.status()).as(backfill.body().toString()).isEqualTo(202);
      BackfillRequest br = (BackfillRequest) offline.requests.get(1);
      assertThat(br.from()).isEqualTo(Instant.parse("2025-10-01T00:00:00Z"));
      assertThat(br.to()).isEqualTo(Instant.parse("2025-11-01T06:00:00Z"));
      // epoch millis stay refused here: a bare number may be seconds or milliseconds
      Reply millis =
          call(
              s.port(),
              "POST",
              "/v1/offline/export",
              "{\"features\":[\"a.b\"],\"reference_times\":[\"1761955200000\"],"
                  + "\"output_location\":\"/o\"}");
      assertThat(millis.status()).isEqualTo(400);
      assertThat(millis.body().at("/error/field").asText()).isEqualTo("reference_times[0]");
      assertThat(millis.body().at("/error/message").asText())
          .contains("or a date 2025-11-25 or a time 2025-11-25T12:00 without a zone, read as UTC");
    }
  }

  @Test
  void timesOutsideYears0000To9999AreRefusedWhenSubmitted() throws Exception {
    // QA pass, session 11: ISO-8601 takes +1000000000-01-01T00:00:00Z; it was accepted and the
    // job failed with "long overflow" (an export) or "backfill plan failed: ... long overflow"
    RecordingOfflineService offline = new RecordingOfflineService();
    String far = "+1000000000-01-01T00:00:00Z";
    try (QuiverServer s = server(offline)) {
      Reply refTime =
          call(
              s.port(),
              "POST",
              "/v1/offline/export",
              "{\"features\":[\"a.b\"],\"reference_times\":[\"2025-11-01T00:00:00Z\",\""
                  + far
                  + "\"],\"output_location\":\"/o\"}");
      assertThat(refTime.status()).isEqualTo(400);
      assertThat(refTime.body().at("/error/field").asText()).isEqualTo("reference_times[1]");
      assertThat(refTime.body().at("/error/message").asText())
          .contains("expected: a time in the years 0000 to 9999");

      Reply rangeEnd =
          call(
              s.port(),
              "POST",
              "/v1/offline/export",
              "{\"features\":[\"a.b\"],\"time_range\":{\"start\":\"2025-11-01T00:00:00Z\","
                  + "\"end\":\""
                  + far
                  + "\",\"step\":\"1h\"},\"output_location\":\"/o\"}");
      assertThat(rangeEnd.status()).isEqualTo(400);
      assertThat(rangeEnd.body().at("/error/field").asText()).isEqualTo("time_range.end");

      Reply backfillStart =
          call(
              s.port(),
              "POST",
              "/v1/backfill",
              "{\"feature_view\":\"v\",\"time_range\":{\"start\":\"-999999999-01-01T00:00:00Z\","
                  + "\"end\":\"2025-11-01T00:00:00Z\"}}");
      assertThat(backfillStart.status()).isEqualTo(400);
      assertThat(backfillStart.body().at("/error/field").asText()).isEqualTo("time_range.start");
      assertThat(offline.requests).isEmpty();
    }
  }

  /**
   * QA pass, session 20: the offline routes ignored query parameters, so {@code POST
   * /v1/backfill?dry_run=true} (the registry's POST takes {@code ?dry_run=true}) ran a real
   * backfill, and {@code GET /v1/offline/jobs?state=FAILED} listed every job. A query parameter on
   * these routes is a 400 naming it, before anything is submitted or cancelled.
   */
  @Test
  void aQueryParameterOnAnOfflineRouteIsRefused() throws Exception {
    RecordingOfflineService offline = new RecordingOfflineService();
    String backfill =
        "{\"feature_view\":\"v\",\"time_range\":{\"start\":\"2025-10-01T00:00:00Z\","
            + "\"end\":\"2025-11-01T00:00:00Z\"}}";
    String export =
        "{\"features\":[\"a.b\"],\"reference_times\":[\"2025-11-01T00:00:00Z\"],"
            + "\"output_location\":\"/o\"}";
    try (QuiverServer s = server(offline)) {
      Reply dryRun = call(s.port(), "POST", "/v1/backfill?dry_run=true", backfill);
      assertThat(dryRun.status()).as(dryRun.body().toString()).isEqualTo(400);
      assertThat(dryRun.body().at("/error/code").asText()).isEqualTo("INVALID_ARGUMENT");
      assertThat(dryRun.body().at("/error/field").asText()).isEqualTo("dry_run");
      assertThat(dryRun.body().at("/error/message").asText())
          .isEqualTo(
              "unknown query parameter 'dry_run' (expected: none; POST /v1/backfill takes its"
                  + " options as fields of its JSON body: \"dry_run\": true)");
      for (String[] call :
          new String[][] {
            {"POST", "/v1/offline/export?format=parquet", export, "format"},
            {"POST", "/v1/offline/snapshots:expire?dry_run=true", "{}", "dry_run"},
            {"GET", "/v1/offline/jobs?state=FAILED", null, "state"},
            {"GET", "/v1/offline/jobs/exp-1?verbose=1", null, "verbose"},
            {"DELETE", "/v1/offline/jobs/exp-1?force=true", null, "force"}
          }) {
        Reply r = call(s.port(), call[0], call[1], call[2]);
        assertThat(r.status()).as(call[1] + ": " + r.body()).isEqualTo(400);
        assertThat(r.body().at("/error/field").asText()).isEqualTo(call[3]);
        assertThat(r.body().at("/error/message").asText())
            .startsWith("unknown query parameter '" + call[3] + "' (expected: none");
      }
      assertThat(offline.requests).isEmpty();
      // without one, the same requests are taken
      assertThat(call(s.port(), "POST", "/v1/backfill", backfill).status()).isEqualTo(202);
      assertThat(call(s.port(), "GET", "/v1/offline/jobs", null).status()).isEqualTo(200);
    }
  }

  @Test
  void aNullOrNonTextTimeIsA400NamingIt() throws Exception {
    // QA pass, session 20: a null in reference_times was a 500 (NullPointerException), and an
    // object or array time was quoted as '' in the message
    RecordingOfflineService offline = new RecordingOfflineService();
    try (QuiverServer s = server(offline)) {
      Reply nullTime =
          call(
              s.port(),
              "POST",
              "/v1/offline/export",
              "{\"features\":[\"a.b\"],\"reference_times\":[\"2025-11-01T00:00:00Z\",null],"
                  + "\"output_location\":\"/o\"}");
      assertThat(nullTime.status()).as(nullTime.body().toString()).isEqualTo(400);
      assertThat(nullTime.body().at("/error/code").asText()).isEqualTo("INVALID_ARGUMENT");
      assertThat(nullTime.body().at("/error/field").asText()).isEqualTo("reference_times[1]");
      assertThat(nullTime.body().at("/error/message").asText())
          .startsWith("reference_times[1]: null (expected: an ISO-8601 time");
      for (String[] bad :
          new String[][] {
            {"\"reference_times\":[{\"t\":1}]", "reference_times[0]", "{\"t\":1}"},
            {"\"reference_times\":[[\"2025-11-01\"]]", "reference_times[0]", "[\"2025-11-01\"]"},
            {
              "\"time_range\":{\"start\":{},\"end\":\"2025-11-02T00:00:00Z\",\"step\":\"1h\"}",
              "time_range.start",
              "{}"
            }
          }) {
        Reply r =
            call(
                s.port(),
                "POST",
                "/v1/offline/export",
                "{\"features\":[\"a.b\"]," + bad[0] + ",\"output_location\":\"/o\"}");
        assertThat(r.status()).as(r.body().toString()).isEqualTo(400);
        assertThat(r.body().at("/error/field").asText()).isEqualTo(bad[1]);
        assertThat(r.body().at("/error/message").asText())
            .startsWith(bad[1] + ": " + bad[2] + " (expected: an ISO-8601 time");
      }
      assertThat(offline.requests).isEmpty();
    }
  }

  @Test
  void withoutAnOfflineServiceTheRoutesSay503AndHowToEnableThem() throws Exception {
    try (QuiverServer s = server(null)) {
      Reply r = call(s.port(), "GET", "/v1/offline/jobs", null);
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.body().at("/error/code").asText()).isEqualTo("OFFLINE_DISABLED");
      assertThat(r.body().at("/error/message").asText()).contains("quiver serve");
    }
  }
}
