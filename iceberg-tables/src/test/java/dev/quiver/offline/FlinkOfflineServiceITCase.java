package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.offline.BackfillRequest;
import dev.quiver.core.offline.ExportRequest;
import dev.quiver.core.offline.JobStatus;
import dev.quiver.core.spec.FeatureView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.iceberg.catalog.Catalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exports and backfills as jobs, with status, progress, errors and the audit entry. */
class FlinkOfflineServiceITCase {
  @TempDir Path dir;

  @Test
  void runsExportsAndBackfillsAsJobs() throws Exception {
    Path wh = dir.resolve("wh");
    QuiverConfig config = QuiverConfig.of(Map.of("offline.warehouse", wh.toString()));
    Catalog catalog = OfflineCatalogs.open(config);
    FeatureView profile = TestViews.userProfile();
    EventLog log = new EventLog(11).generate(profile, "u", 3, 100);
    EventLog.write(catalog, profile, log.events, "user_id");
    InMemoryRegistry registry = new InMemoryRegistry().add(profile);
    try (FlinkOfflineService service = new FlinkOfflineService(config, registry, null)) {
      String id =
          service.submitExport(
              new ExportRequest(
                  null,
                  List.of("user_profile.last_amount"),
                  null,
                  null,
                  null,
                  Instant.ofEpochMilli(EventLog.BASE),
                  Instant.ofEpochMilli(EventLog.BASE + 6 * EventLog.HOUR),
                  Duration.ofHours(1),
                  dir.resolve("export").toString(),
                  "parquet",
                  null,
                  null));
      JobStatus done = awaitDone(service, id);
      assertThat(done.state()).as(done.error()).isEqualTo(JobStatus.State.SUCCEEDED);
      assertThat(done.rows()).isEqualTo(3 * 7);
      assertThat(done.progress()).isEqualTo(1.0);
      assertThat(Files.exists(dir.resolve("export").resolve(TrainingSetManifest.FILE))).isTrue();

      // rebuild through the service from the manifest
      String again =
          service.submitExport(
              new ExportRequest(
                  null,
                  null,
                  null,
                  null,
                  null,
                  null,
                  null,
                  null,
                  dir.resolve("again").toString(),
                  null,
                  dir.resolve("export").resolve(TrainingSetManifest.FILE).toString(),
                  null));
      assertThat(awaitDone(service, again).details().get("output_checksum"))
          .isEqualTo(done.details().get("output_checksum"));

      assertThatThrownBy(
              () ->
                  service.submitExport(
                      new ExportRequest(
                          null,
                          List.of("user_profile.nope"),
                          null,
                          null,
                          List.of(Instant.now()),
                          null,
                          null,
                          null,
                          "out",
                          null,
                          null,
                          null)))
          .hasMessageContaining("unknown feature 'nope' in view default.user_profile:v1");
      assertThatThrownBy(
              () ->
                  service.submitExport(
                      new ExportRequest(
                          null,
                          List.of("last_amount"),
                          null,
                          null,
                          List.of(Instant.now()),
                          null,
                          null,
                          null,
                          "out",
                          null,
                          null,
                          null)))
          .hasMessageContaining("the view is needed");
      assertThatThrownBy(() -> service.status("nope")).isInstanceOf(NoSuchElementException.class);
      assertThatThrownBy(
              () ->
                  service.submitBackfill(
                      new BackfillRequest(
                          null,
                          "user_profile",
                          null,
                          Instant.EPOCH,
                          Instant.now(),
                          false,
                          true,
                          null,
                          "me")))
          .hasMessageContaining("online: no online store is configured");

      // a failing job reports its error: the view's kafka source needs --source
      String bad =
          service.submitBackfill(
              new BackfillRequest(
                  null,
                  "user_profile",
                  null,
                  Instant.EPOCH,
                  Instant.now(),
                  true,
                  false,
                  null,
                  "me"));
      JobStatus failed = awaitDone(service, bad);
      assertThat(failed.state()).isEqualTo(JobStatus.State.FAILED);
      assertThat(failed.error()).contains("pass its history as --source");
      assertThat(service.jobs()).hasSize(3);

      // a real backfill through the service leaves an audit entry with its id
      Path raw = dir.resolve("raw").resolve("events.parquet");
      var rawSchema =
          new org.apache.iceberg.Schema(
              org.apache.iceberg.types.Types.NestedField.optional(
                  1, "user_id", org.apache.iceberg.types.Types.StringType.get()),
              org.apache.iceberg.types.Types.NestedField.optional(
                  2, "last_amount", org.apache.iceberg.types.Types.DoubleType.get()),
              org.apache.iceberg.types.Types.NestedField.optional(
                  3, "last_merchant", org.apache.iceberg.types.Types.StringType.get()),
              org.apache.iceberg.types.Types.NestedField.optional(
                  4, "ts", org.apache.iceberg.types.Types.TimestampType.withZone()));
      java.util.List<org.apache.iceberg.data.Record> rows = new java.util.ArrayList<>();
      for (int i = 0; i < 50; i++) {
        var r = org.apache.iceberg.data.GenericRecord.create(rawSchema);
        r.setField("user_id", "u" + (i % 3));
        r.setField("last_amount", (double) i);
        r.setField("last_merchant", "m1");
        r.setField("ts", OfflineWriter.timestamptz(EventLog.BASE + i * 60_000L));
        rows.add(r);
      }
      TrainingSetFiles.write(rawSchema, raw, rows);
      String bf =
          service.submitBackfill(
              new BackfillRequest(
                  null,
                  "user_profile",
                  null,
                  Instant.ofEpochMilli(EventLog.BASE),
                  Instant.ofEpochMilli(EventLog.BASE + EventLog.HOUR),
                  false,
                  false,
                  raw.getParent().toString(),
                  "alice"));
      JobStatus bfDone = awaitDone(service, bf);
      assertThat(bfDone.state()).as(bfDone.error()).isEqualTo(JobStatus.State.SUCCEEDED);
      assertThat(bfDone.rows()).isEqualTo(50);
      assertThat(registry.audit)
          .singleElement()
          .satisfies(
              a -> {
                assertThat(a.action()).isEqualTo("backfill");
                assertThat(a.actor()).isEqualTo("alice");
                assertThat(a.detail())
                    .contains((String) bfDone.details().get("backfill_id"))
                    .contains("\"rows\":50");
              });
    }
  }

  static JobStatus awaitDone(FlinkOfflineService service, String id) {
    await().atMost(Duration.ofMinutes(3)).until(() -> service.status(id).state().isFinal());
    return service.status(id);
  }
}
