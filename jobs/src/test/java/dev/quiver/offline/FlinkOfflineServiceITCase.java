package dev.quiver.offline;

import static java.nio.file.StandardOpenOption.APPEND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.offline.BackfillRequest;
import dev.quiver.core.offline.ExportRequest;
import dev.quiver.core.offline.JobStatus;
import dev.quiver.core.registry.testing.InMemoryFeatureRegistry;
import dev.quiver.core.spec.FeatureView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.iceberg.Schema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.types.Types;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exports and backfills as jobs, with status, progress, errors and the audit entry. */
class FlinkOfflineServiceITCase {
  @TempDir Path dir;

  static BackfillRequest backfillFrom(String source) {
    return new BackfillRequest(
        null, "user_rows", null, Instant.EPOCH, Instant.now(), true, false, source, "me");
  }

  /** The raw events' schema of the backfill tests: user_id, amount, merchant, ts. */
  static Schema rawSchema() {
    return new Schema(
        Types.NestedField.optional(1, "user_id", Types.StringType.get()),
        Types.NestedField.optional(2, "amount", Types.DoubleType.get()),
        Types.NestedField.optional(3, "merchant", Types.StringType.get()),
        Types.NestedField.optional(4, "ts", Types.TimestampType.withZone()));
  }

  /**
   * {@code n} raw events of {@link #rawSchema()}: event {@code i} of user {@code u<i % users>},
   * amount {@code i}, merchant m1, at {@code BASE + i * stepMillis}.
   */
  static List<org.apache.iceberg.data.Record> rawEvents(int n, int users, long stepMillis) {
    List<org.apache.iceberg.data.Record> raws = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      var r = org.apache.iceberg.data.GenericRecord.create(rawSchema());
      r.setField("user_id", "u" + (i % users));
      r.setField("amount", (double) i);
      r.setField("merchant", "m1");
      r.setField("ts", OfflineWriter.timestamptz(EventLog.BASE + i * stepMillis));
      raws.add(r);
    }
    return raws;
  }

  /** A backfill of user_rows by alice from the Parquet files beside {@code raw}, from BASE. */
  static BackfillRequest userRowsBackfill(Path raw, long toMillis, boolean dryRun, boolean online) {
    return new BackfillRequest(
        null,
        "user_rows",
        null,
        Instant.ofEpochMilli(EventLog.BASE),
        Instant.ofEpochMilli(toMillis),
        dryRun,
        online,
        raw.getParent().toString(),
        "alice");
  }

  private ExportRequest labelled(Path labels, String timestampColumn, String out) {
    return new ExportRequest(
        null,
        List.of("user_profile.last_amount"),
        labels.toString(),
        timestampColumn,
        null,
        null,
        null,
        null,
        dir.resolve(out).toString(),
        null,
        null,
        null);
  }

  /**
   * The backfilled view over the transactions source: its features are expressions over the
   * source's columns, as the streaming job (whose SQL a backfill runs) requires.
   */
  private static FeatureView userRows(dev.quiver.core.spec.Feature... features) {
    return FeatureView.builder("user_rows")
        .entities(List.of("user"))
        .source(TestViews.txnSource())
        .ttl(Duration.ofHours(2))
        .features(List.of(features))
        .build();
  }

  private static dev.quiver.core.spec.Feature expr(
      String name, dev.quiver.core.spec.FeatureType type, String expr) {
    return new dev.quiver.core.spec.Feature(name, type, "", expr, null, Map.of());
  }

  @Test
  void runsExportsAndBackfillsAsJobs() throws Exception {
    Path wh = dir.resolve("wh");
    QuiverConfig config = QuiverConfig.of(Map.of("offline.warehouse", wh.toString()));
    Catalog catalog = OfflineCatalogs.open(config);
    FeatureView profile = TestViews.userProfile();
    EventLog log = new EventLog(11).generate(profile, "u", 3, 100);
    EventLog.write(catalog, profile, log.events, "user_id");
    // the backfilled view's features are expressions over its source's columns, as the streaming
    // job (whose SQL a backfill runs) requires
    FeatureView rows =
        userRows(
            expr("last_amount", dev.quiver.core.spec.FeatureType.FLOAT64, "amount"),
            expr("last_merchant", dev.quiver.core.spec.FeatureType.STRING, "merchant"));
    InMemoryFeatureRegistry registry = new InMemoryFeatureRegistry();
    registry.put(profile);
    registry.put(rows);
    try (FlinkOfflineService service = new FlinkOfflineService(config, registry)) {
      String id = service.submitExport(hourly(dir.resolve("export").toString()));
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
      var rebuilt = awaitDone(service, again).details();
      assertThat(rebuilt.get("output_checksum")).isEqualTo(done.details().get("output_checksum"));
      assertThat(rebuilt.get("output_data_checksum"))
          .isEqualTo(done.details().get("output_data_checksum"));
      assertThat(rebuilt.get("matches_manifest")).isEqualTo(true);
      assertThat(done.details()).doesNotContainKey("matches_manifest");
      // a rebuild into the directory of the manifest it rebuilds is refused when submitted: it
      // replaced the original parts, and a failed rebuild deleted them and the manifest
      Path original = dir.resolve("export").resolve(TrainingSetManifest.FILE);
      String originalText = Files.readString(original);
      assertThatThrownBy(
              () ->
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
                          dir.resolve("export").resolve(".").toString(),
                          null,
                          original.toString(),
                          null)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("output: '" + dir.resolve("export").resolve("."))
          .hasMessageContaining("holds the manifest being rebuilt (" + original + ")")
          .hasMessageContaining("(expected: another directory)");
      assertThat(Files.readString(original)).isEqualTo(originalText);

      // a feature service stands in for its features, pinned versions included (review, session
      // 17: exports took only a feature list, so a model's service had to be copied out by hand)
      registry.put(
          new dev.quiver.core.spec.FeatureService(
              "default",
              "profile_model",
              List.of(dev.quiver.core.spec.FeatureRef.parse("user_profile:v1.last_amount")),
              null,
              null,
              null));
      ExportRequest listed = hourly(dir.resolve("by-service").toString());
      String byService =
          service.submitExport(
              new ExportRequest(
                  null,
                  List.of(),
                  null,
                  null,
                  null,
                  listed.from(),
                  listed.to(),
                  listed.step(),
                  listed.output(),
                  null,
                  null,
                  null,
                  "profile_model"));
      JobStatus viaService = awaitDone(service, byService);
      assertThat(viaService.state()).as(viaService.error()).isEqualTo(JobStatus.State.SUCCEEDED);
      assertThat(viaService.details().get("output_data_checksum"))
          .isEqualTo(done.details().get("output_data_checksum"));
      assertThatThrownBy(
              () ->
                  service.submitExport(
                      new ExportRequest(
                          null,
                          List.of(),
                          null,
                          null,
                          List.of(Instant.now()),
                          null,
                          null,
                          null,
                          dir.resolve("no-service").toString(),
                          null,
                          null,
                          null,
                          "nope_model")))
          .isInstanceOf(dev.quiver.core.registry.RegistryException.class)
          .hasMessage(
              "feature_service: unknown feature service 'nope_model' in namespace default"
                  + " (known: profile_model)");
      // label files changed since the export: its rebuild is refused when submitted (a 400),
      // not a job that fails once it has read them (review, session 17)
      Path csv = dir.resolve("labels.csv");
      Files.writeString(
          csv, "user_id,ts\nu1," + Instant.ofEpochMilli(EventLog.BASE + EventLog.HOUR) + "\n");
      JobStatus labelled = awaitDone(service, service.submitExport(labelled(csv, "ts", "lab")));
      assertThat(labelled.state()).as(labelled.error()).isEqualTo(JobStatus.State.SUCCEEDED);
      Files.writeString(csv, "u2," + Instant.ofEpochMilli(EventLog.BASE) + "\n", APPEND);
      String labManifest = dir.resolve("lab").resolve(TrainingSetManifest.FILE).toString();
      assertThatThrownBy(
              () ->
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
                          dir.resolve("lab-again").toString(),
                          null,
                          labManifest,
                          null)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("labels: changed since the manifest was written: " + csv)
          .hasMessageContaining("(restore the original label files to rebuild)");
      assertThatThrownBy(() -> service.submitExport(exportNow("user_profile.nope")))
          .hasMessageContaining("unknown feature 'nope' in view default.user_profile:v1");
      assertThatThrownBy(() -> service.submitExport(exportNow("last_amount")))
          .hasMessageContaining("the view is needed");
      // mixing entities without labels is refused at submission, not when the job runs
      registry.put(TestViews.merchantRisk());
      assertThatThrownBy(
              () ->
                  service.submitExport(
                      new ExportRequest(
                          null,
                          List.of("user_profile.last_amount", "merchant_risk.*"),
                          null,
                          null,
                          List.of(Instant.now()),
                          null,
                          null,
                          null,
                          dir.resolve("mixed").toString(),
                          null,
                          null,
                          null)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("features: a retrieval without labels needs features of one entity")
          .hasMessageContaining("pass label rows to combine entities");
      assertThatThrownBy(() -> service.status("nope")).isInstanceOf(NoSuchElementException.class);
      // what can be checked without running is refused when submitted, naming the field (QA
      // pass, session 11: each of these became a job that failed)
      for (String source : List.of(dir.resolve("nothing").toString(), "kafka:zz", "nons.tbl")) {
        assertThatThrownBy(() -> service.submitBackfill(backfillFrom(source)))
            .as(source)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("source: ");
      }
      assertThatThrownBy(
              () -> service.submitBackfill(backfillFrom(dir.resolve("nothing").toString())))
          .hasMessageContaining("does not exist");
      assertThatThrownBy(() -> service.submitBackfill(backfillFrom("kafka:0:10-5")))
          .hasMessageContaining("'0:10-5' in 'kafka:0:10-5' (expected: kafka:PARTITION:FIRST-END");
      assertThatThrownBy(() -> service.submitBackfill(backfillFrom("nons.tbl")))
          .hasMessageContaining("Iceberg table 'nons.tbl' does not exist");
      assertThatThrownBy(
              () ->
                  service.submitExport(
                      new ExportRequest(
                          null,
                          List.of("user_profile.last_amount"),
                          "nons.labels",
                          null,
                          null,
                          null,
                          null,
                          null,
                          dir.resolve("nolabels").toString(),
                          null,
                          null,
                          null)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("labels: Iceberg table 'nons.labels' does not exist");
      // label rows without the time column or a join key are refused when submitted, listing
      // the columns they have (QA pass, session 12: each became a job that failed)
      Path noTime = Files.writeString(dir.resolve("no-time.csv"), "user_id,ts,label\nu1,0,1\n");
      assertThatThrownBy(() -> service.submitExport(labelled(noTime, null, "no-time")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(
              "labels.timestamp_column: 'timestamp' is not a column of " + noTime)
          .hasMessageContaining("(columns: user_id, ts, label; name the label time column");
      Path noKey = Files.writeString(dir.resolve("no-key.csv"), "uid,ts,label\nu1,0,1\n");
      assertThatThrownBy(() -> service.submitExport(labelled(noKey, "ts", "no-key")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(
              "labels: join key 'user_id' of view default.user_profile:v1 is not a column of "
                  + noKey)
          .hasMessageContaining("(columns: uid, ts, label; the label rows need a column");
      // Parquet labels: from the file's footer
      Schema noKeySchema =
          new Schema(
              Types.NestedField.optional(1, "uid", Types.StringType.get()),
              Types.NestedField.optional(2, "ts", Types.TimestampType.withZone()));
      Path noKeyParquet = dir.resolve("no-key-parquet").resolve("labels.parquet");
      TrainingSetFiles.write(noKeySchema, noKeyParquet, List.of());
      assertThatThrownBy(
              () -> service.submitExport(labelled(noKeyParquet.getParent(), "ts", "no-key-pq")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("labels: join key 'user_id' of view default.user_profile:v1")
          .hasMessageContaining("(columns: uid, ts;");
      assertThatThrownBy(
              () -> service.submitExport(labelled(noKeyParquet.getParent(), "t", "no-time-pq")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("labels.timestamp_column: 't' is not a column of ")
          .hasMessageContaining("(columns: uid, ts;");
      // label rows in the output directory (a Spark-written folder of part-*.parquet) would be
      // deleted by the export that reads them: refused when submitted
      Schema labelSchema =
          new Schema(
              Types.NestedField.optional(1, "user_id", Types.StringType.get()),
              Types.NestedField.optional(2, "ts", Types.TimestampType.withZone()));
      Path sparkLabels = dir.resolve("spark-labels").resolve("part-00000.parquet");
      TrainingSetFiles.write(labelSchema, sparkLabels, List.of());
      for (Path labels : List.of(sparkLabels.getParent(), sparkLabels)) {
        assertThatThrownBy(() -> service.submitExport(labelled(labels, "ts", "spark-labels")))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("output: '" + dir.resolve("spark-labels"))
            .hasMessageContaining("holds the label rows (" + labels + ")");
      }
      assertThat(sparkLabels).exists();
      Path aFile = Files.writeString(dir.resolve("a-file"), "x");
      assertThatThrownBy(
              () ->
                  service.submitExport(
                      new ExportRequest(
                          null,
                          List.of("user_profile.last_amount"),
                          null,
                          null,
                          List.of(Instant.now()),
                          null,
                          null,
                          null,
                          aFile.toString(),
                          null,
                          null,
                          null)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("output: '" + aFile + "' is a file (expected: a directory");
      // a view with no offline table yet is refused when submitted (a 400), not a FAILED job
      assertThatThrownBy(
              () ->
                  service.submitExport(
                      new ExportRequest(
                          null,
                          List.of("user_rows.last_amount"),
                          null,
                          null,
                          List.of(Instant.now()),
                          null,
                          null,
                          null,
                          dir.resolve("no-table").toString(),
                          null,
                          null,
                          null)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("features: offline table default.user_rows_v1 of view")
          .hasMessageContaining("(expected: the view materialized or backfilled first)");
      // a failing job reports its error: the history is no Parquet file, which only reading tells
      Path junk = Files.writeString(dir.resolve("junk.parquet"), "not parquet");
      String bad = service.submitBackfill(backfillFrom(junk.toString()));
      JobStatus failed = awaitDone(service, bad);
      assertThat(failed.state()).isEqualTo(JobStatus.State.FAILED);
      assertThat(failed.error()).contains("is not a readable Parquet file");
      // the export, its rebuild, the export by feature service, the labelled one, this backfill
      assertThat(service.jobs()).hasSize(5);
      // an unexpected failure (the output's parent is a file, which only creating it tells): one
      // WARN line naming it, the trace at INFO only (bin/quiver's log file); it was a WARN stack
      // trace on the CLI's terminal
      Path underAFile = aFile.resolve("under-a-file");
      List<LogEvent> unexpected =
          serviceLog(
              () -> {
                JobStatus s =
                    awaitDone(service, service.submitExport(hourly(underAFile.toString())));
                assertThat(s.state()).isEqualTo(JobStatus.State.FAILED);
                // says why (review, session 17: "creating output /proc/nope" and nothing more)
                assertThat(s.error())
                    .startsWith("creating output " + underAFile + ": ")
                    .contains("Not a directory")
                    .endsWith("(expected: a directory the export can create and write)");
              });
      assertThat(unexpected.stream().filter(e -> e.getLevel().isMoreSpecificThan(Level.WARN)))
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.getMessage().getFormattedMessage())
                    .contains(" (export) failed: creating output " + underAFile);
                assertThat(e.getThrown()).as("the WARN line carries no trace").isNull();
              });
      assertThat(unexpected)
          .anySatisfy(
              e -> {
                assertThat(e.getLevel()).isEqualTo(Level.INFO);
                assertThat(e.getThrown()).isNotNull();
              });

      // a real backfill through the service leaves an audit entry with its id
      // a quote and a backslash in the history's path: the audit detail stays valid JSON (it was
      // concatenated, escaping quotes only)
      Path raw = dir.resolve("ra\"w\\x").resolve("events.parquet");
      var rawSchema = rawSchema();
      java.util.List<org.apache.iceberg.data.Record> raws = rawEvents(50, 3, 60_000L);
      // a key over the lookup limit: skipped, and the dry run and the backfill say how many
      var longKey = org.apache.iceberg.data.GenericRecord.create(rawSchema);
      longKey.setField(
          "user_id", "u".repeat(dev.quiver.core.codec.EntityKeyCodec.MAX_KEY_CHARS + 1));
      longKey.setField("amount", 1.0);
      longKey.setField("merchant", "m1");
      longKey.setField("ts", OfflineWriter.timestamptz(EventLog.BASE + 30_000L));
      raws.add(longKey);
      TrainingSetFiles.write(rawSchema, raw, raws);
      JobStatus dry =
          awaitDone(
              service,
              service.submitBackfill(
                  userRowsBackfill(raw, EventLog.BASE + EventLog.HOUR, true, false)));
      assertThat(dry.state()).as(dry.error()).isEqualTo(JobStatus.State.SUCCEEDED);
      assertThat(dry.rows()).isEqualTo(50);
      assertThat(dry.details()).containsEntry("skipped", 1L);
      // the estimate's parts: every history record read (malformed too), the rows to append
      assertThat(dry.details()).containsEntry("records_to_read", 51L).containsEntry("rows", 50L);
      // a dry run appends nothing, so it has no backfill id: the real run would draw another one
      assertThat(dry.details()).doesNotContainKey("backfill_id");
      assertThat((String) dry.details().get("sql")).contains("CREATE TEMPORARY VIEW");
      String bf =
          service.submitBackfill(
              userRowsBackfill(raw, EventLog.BASE + EventLog.HOUR, false, false));
      JobStatus bfDone = awaitDone(service, bf);
      assertThat(bfDone.state()).as(bfDone.error()).isEqualTo(JobStatus.State.SUCCEEDED);
      assertThat(bfDone.rows()).isEqualTo(50);
      assertThat(bfDone.details())
          .containsEntry("rows", 50L)
          .containsEntry("skipped", 1L)
          .doesNotContainKeys("records_to_read", "bytes", "partitions", "estimated_seconds");
      assertThat(registry.audit(null, null, 100))
          .singleElement()
          .satisfies(
              a -> {
                assertThat(a.action()).isEqualTo("backfill");
                assertThat(a.actor()).isEqualTo("alice");
                assertThat(a.detail())
                    .contains((String) bfDone.details().get("backfill_id"))
                    .contains("\"rows\":50,\"skipped\":1");
                try {
                  var detail =
                      new com.fasterxml.jackson.databind.ObjectMapper().readTree(a.detail());
                  assertThat(detail.get("source").asText()).isEqualTo(raw.getParent().toString());
                } catch (java.io.IOException e) {
                  throw new AssertionError("audit detail is not JSON: " + a.detail(), e);
                }
              });
      assertThat(bfDone.output())
          .isEqualTo("default.user_rows_v1@" + bfDone.details().get("snapshot_id"));
      // the same backfill again appends nothing and commits no snapshot: its output is the table
      // (before: it was "default.user_rows_v1@null")
      JobStatus rerun =
          awaitDone(
              service,
              service.submitBackfill(
                  userRowsBackfill(raw, EventLog.BASE + EventLog.HOUR, false, false)));
      assertThat(rerun.state()).as(rerun.error()).isEqualTo(JobStatus.State.SUCCEEDED);
      assertThat(rerun.rows()).isZero();
      assertThat(rerun.output()).isEqualTo("default.user_rows_v1");
      assertThat(rerun.details()).doesNotContainKeys("snapshot_id", "tag");
      // and it leaves its audit entry, without a snapshot
      assertThat(registry.audit(null, null, 100)).hasSize(2);
    }
  }

  /**
   * An {@code --online} dry run (REST {@code dry_run} and {@code online}) names the wider history
   * its tiles read: the enclosing day of a mid-day range. The service planned every dry run
   * offline, so it showed neither the tiles' SQL nor that read.
   */
  @Test
  void anOnlineDryRunNamesTheWiderReadOfItsTiles() throws Exception {
    QuiverConfig config =
        QuiverConfig.of(Map.of("offline.warehouse", dir.resolve("wh").toString()));
    InMemoryFeatureRegistry registry = new InMemoryFeatureRegistry();
    registry.put(
        FeatureView.builder("user_sums")
            .entities(List.of("user"))
            .source(TestViews.txnSource())
            .features(
                List.of(
                    TestViews.agg(
                        "amount_sum_1h",
                        "amount",
                        dev.quiver.core.spec.AggregationFunction.SUM,
                        Duration.ofHours(1),
                        dev.quiver.core.spec.FeatureType.FLOAT64)))
            .build());
    Path raw = dir.resolve("sums-raw").resolve("events.parquet");
    List<org.apache.iceberg.data.Record> raws = rawEvents(48, 3, 1_800_000L);
    TrainingSetFiles.write(rawSchema(), raw, raws);
    Instant from = Instant.ofEpochMilli(EventLog.BASE + 10 * EventLog.HOUR + 1_000);
    Instant to = Instant.ofEpochMilli(EventLog.BASE + 12 * EventLog.HOUR);
    try (FlinkOfflineService service = new FlinkOfflineService(config, registry)) {
      for (boolean online : new boolean[] {true, false}) {
        JobStatus dry =
            awaitDone(
                service,
                service.submitBackfill(
                    new BackfillRequest(
                        null,
                        "user_sums",
                        null,
                        from,
                        to,
                        true,
                        online,
                        raw.getParent().toString(),
                        "alice")));
        assertThat(dry.state()).as(dry.error()).isEqualTo(JobStatus.State.SUCCEEDED);
        // the range holds 3 events (10:30, 11:00, 11:30); its day's one file all 48
        assertThat(dry.details()).containsEntry("rows", 3L).containsEntry("records_to_read", 48L);
        if (online) {
          assertThat(dry.details())
              .containsEntry("online_read_from", Instant.ofEpochMilli(EventLog.BASE).toString())
              .containsEntry(
                  "online_read_to",
                  Instant.ofEpochMilli(EventLog.BASE + 24 * EventLog.HOUR).toString());
          assertThat((String) dry.details().get("sql")).contains("`projected_tiles`");
        } else {
          assertThat(dry.details()).doesNotContainKeys("online_read_from", "online_read_to");
          assertThat((String) dry.details().get("sql")).doesNotContain("online_tiles");
        }
      }
    }
  }

  /**
   * A backfill's progress moves while it runs (issue 5: the CLI's progress bar): it counts the
   * history rows read against the files' record count, below 1 until the commit. It stayed 0 until
   * the backfill ended, then jumped to 1 (0% to 100% on the CLI). Of a file that also holds events
   * after the range, it reached only the range's share (50% here) while the job wrote and
   * committed: its total was the file's record count, its count the rows the range's scan returns.
   */
  @Test
  void aBackfillsProgressMovesBeforeItEnds() throws Exception {
    QuiverConfig config =
        QuiverConfig.of(Map.of("offline.warehouse", dir.resolve("wh").toString()));
    InMemoryFeatureRegistry registry = new InMemoryFeatureRegistry();
    registry.put(userRows(expr("last_amount", dev.quiver.core.spec.FeatureType.FLOAT64, "amount")));
    Path raw = dir.resolve("progress-raw").resolve("events.parquet");
    var rawSchema = rawSchema();
    int n = 100_000;
    List<org.apache.iceberg.data.Record> raws = rawEvents(n, 500, 1_000L);
    TrainingSetFiles.write(rawSchema, raw, raws);
    try (FlinkOfflineService service = new FlinkOfflineService(config, registry)) {
      String id =
          service.submitBackfill(
              userRowsBackfill(raw, EventLog.BASE + n / 2 * 1_000L, false, false));
      List<Double> seen = new java.util.ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
      JobStatus s = service.status(id);
      while (!s.state().isFinal() && System.nanoTime() < deadline) {
        seen.add(s.progress());
        Thread.sleep(20);
        s = service.status(id);
      }
      assertThat(s.state()).as(s.error()).isEqualTo(JobStatus.State.SUCCEEDED);
      assertThat(s.rows()).isEqualTo(n / 2);
      assertThat(s.progress()).isEqualTo(1.0);
      assertThat(seen).as("progress while running").anyMatch(p -> p > 0 && p < 1);
      assertThat(seen).as("the range read, while it writes and commits").anyMatch(p -> p > 0.9);
      assertThat(seen).allMatch(p -> p <= 0.99);
      assertThat(seen).as("non-decreasing").isSorted();
    }
  }

  @Test
  void aBackfillCancelledInItsOnlineStepKeepsItsCommittedSnapshotsAuditRecord() throws Exception {
    // the online step throttled to 2 upserts/s: 100 row cells take ~50 s, cancelled long before
    QuiverConfig config =
        QuiverConfig.of(
            Map.of(
                "offline.warehouse",
                dir.resolve("wh").toString(),
                "online.type",
                "embedded",
                "online.embedded.path",
                dir.resolve("online").toString(),
                "offline.backfill.online-rate",
                "2"));
    Catalog catalog = OfflineCatalogs.open(config);
    FeatureView rows =
        userRows(expr("last_amount", dev.quiver.core.spec.FeatureType.FLOAT64, "amount"));
    InMemoryFeatureRegistry registry = new InMemoryFeatureRegistry();
    registry.put(rows);
    var rawSchema = rawSchema();
    List<org.apache.iceberg.data.Record> raws = rawEvents(100, 100, 1_000L);
    Path raw = dir.resolve("raw").resolve("events.parquet");
    TrainingSetFiles.write(rawSchema, raw, raws);
    try (FlinkOfflineService service = new FlinkOfflineService(config, registry)) {
      String id =
          service.submitBackfill(userRowsBackfill(raw, EventLog.BASE + EventLog.HOUR, false, true));
      // the offline step committed its snapshot; the online step runs
      await()
          .atMost(Duration.ofMinutes(2))
          .until(
              () -> {
                try {
                  var table = catalog.loadTable(OfflineTables.identifier(rows));
                  table.refresh();
                  return table.currentSnapshot() != null
                      && table
                          .currentSnapshot()
                          .summary()
                          .containsKey(OfflineTables.BACKFILL_ID_PROPERTY);
                } catch (org.apache.iceberg.exceptions.NoSuchTableException e) {
                  return false;
                }
              });
      assertThat(service.status(id).state()).isEqualTo(JobStatus.State.RUNNING);
      JobStatus cancelled = service.cancel(id);
      assertThat(cancelled.state()).as(cancelled.error()).isEqualTo(JobStatus.State.CANCELLED);
      var table = catalog.loadTable(OfflineTables.identifier(rows));
      long snapshotId = table.currentSnapshot().snapshotId();
      assertThat(cancelled.details()).containsEntry("snapshot_id", snapshotId);
      assertThat(cancelled.rows()).isEqualTo(100);
      // its snapshot is tagged as a finished backfill's is
      assertThat(table.refs()).containsKey((String) cancelled.details().get("tag"));
      assertThat(registry.audit(null, null, 100))
          .singleElement()
          .satisfies(
              a -> {
                assertThat(a.action()).isEqualTo("backfill");
                assertThat(a.actor()).isEqualTo("alice");
                com.fasterxml.jackson.databind.JsonNode detail;
                try {
                  detail = new com.fasterxml.jackson.databind.ObjectMapper().readTree(a.detail());
                } catch (java.io.IOException e) {
                  throw new AssertionError("audit detail is not JSON: " + a.detail(), e);
                }
                assertThat(detail.get("state").asText()).isEqualTo("cancelled");
                assertThat(detail.get("snapshot_id").asLong()).isEqualTo(snapshotId);
                assertThat(detail.get("backfill_id").asText())
                    .isEqualTo(cancelled.details().get("backfill_id"));
              });
    }
  }

  /** The service's log events (INFO and above) while {@code body} runs. */
  static List<LogEvent> serviceLog(Runnable body) {
    List<LogEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    AbstractAppender capture =
        new AbstractAppender("capture", null, null, true, Property.EMPTY_ARRAY) {
          @Override
          public void append(LogEvent event) {
            events.add(event.toImmutable());
          }
        };
    capture.start();
    // the service's own level (the test configuration on the classpath may leave it at WARN)
    org.apache.logging.log4j.core.config.Configurator.setLevel(
        FlinkOfflineService.class.getName(), Level.INFO);
    org.apache.logging.log4j.core.LoggerContext ctx =
        (org.apache.logging.log4j.core.LoggerContext) LogManager.getContext(false);
    org.apache.logging.log4j.core.config.LoggerConfig config =
        ctx.getConfiguration().getLoggerConfig(FlinkOfflineService.class.getName());
    config.addAppender(capture, Level.INFO, null);
    ctx.updateLoggers();
    try {
      body.run();
    } finally {
      config.removeAppender("capture");
      ctx.updateLoggers();
    }
    return events.stream()
        .filter(e -> e.getLoggerName().equals(FlinkOfflineService.class.getName()))
        .toList();
  }

  /** {@code user_profile.last_amount} every hour of the event log's first six, into {@code out}. */
  @Test
  void aViewWhoseOnlyVersionIsDeprecatedIsReadAsLookupsReadIt() throws Exception {
    Path wh = dir.resolve("wh");
    QuiverConfig config = QuiverConfig.of(Map.of("offline.warehouse", wh.toString()));
    Catalog catalog = OfflineCatalogs.open(config);
    FeatureView profile = TestViews.userProfile();
    EventLog.write(
        catalog, profile, new EventLog(11).generate(profile, "u", 3, 100).events, "user_id");
    InMemoryFeatureRegistry registry = new InMemoryFeatureRegistry();
    registry.put(profile);
    registry.put(
        userRows(
            dev.quiver.core.spec.Feature.row("amount", dev.quiver.core.spec.FeatureType.FLOAT64)));
    for (String view : List.of("user_profile", "user_rows")) {
      registry.setStatus(
          "default", view, "v1", dev.quiver.core.spec.ViewStatus.DEPRECATED, null, "me");
    }
    try (FlinkOfflineService service = new FlinkOfflineService(config, registry)) {
      // 'latest' was 404 "resolves to nothing" here, while a lookup answered from v1
      JobStatus export =
          awaitDone(service, service.submitExport(hourly(dir.resolve("e").toString())));
      assertThat(export.state()).as(export.error()).isEqualTo(JobStatus.State.SUCCEEDED);
      assertThat(export.rows()).isEqualTo(3 * 7);
      assertThat(export.details().get("warnings"))
          .isEqualTo(List.of("user_profile:v1 is DEPRECATED"));
      // a backfill resolves its view the same way (its history here is no Parquet file: it fails
      // running, after the registry answered, with the warning kept in its details)
      Path junk = Files.writeString(dir.resolve("junk.parquet"), "not parquet");
      JobStatus backfill =
          awaitDone(
              service,
              service.submitBackfill(
                  new BackfillRequest(
                      null,
                      "user_rows",
                      null,
                      Instant.EPOCH,
                      Instant.now().plus(Duration.ofHours(1)),
                      true,
                      false,
                      junk.toString(),
                      "me")));
      assertThat(backfill.error()).contains("is not a readable Parquet file");
      // and, as its range ends in an hour, where the view's streaming job still writes, a warning
      // that
      // rows the job had not committed yet would be appended twice
      assertThat(backfill.details().get("warnings")).asList().hasSize(2);
      assertThat(((List<?>) backfill.details().get("warnings")).get(0))
          .isEqualTo("user_rows:v1 is DEPRECATED");
      assertThat((String) ((List<?>) backfill.details().get("warnings")).get(1))
          .startsWith("the range ends at ")
          .contains("default.user_rows", "still writes events of this range", "twice");
      // a pinned version that does not exist is still refused
      assertThatThrownBy(() -> service.submitExport(exportNow("user_profile:v7.last_amount")))
          .isInstanceOf(dev.quiver.core.registry.RegistryException.class);
    }
  }

  @Test
  void cancelsARunningExportAndAQueuedOne() throws Exception {
    Path wh = dir.resolve("wh");
    QuiverConfig config = QuiverConfig.of(Map.of("offline.warehouse", wh.toString()));
    Catalog catalog = OfflineCatalogs.open(config);
    FeatureView profile = TestViews.userProfile();
    EventLog.write(
        catalog, profile, new EventLog(5).generate(profile, "u", 500, 2_000).events, "user_id");
    InMemoryFeatureRegistry registry = new InMemoryFeatureRegistry();
    registry.put(profile);
    // every entity at 100,000 reference times: ~50M rows, minutes of work, cancelled long before
    ExportRequest slow =
        new ExportRequest(
            null,
            List.of("user_profile.last_amount"),
            null,
            null,
            null,
            Instant.ofEpochMilli(EventLog.BASE),
            Instant.ofEpochMilli(EventLog.BASE).plusSeconds(Spine.MAX_TIMES - 1),
            Duration.ofSeconds(1),
            dir.resolve("slow").toString(),
            "parquet",
            null,
            null);
    try (FlinkOfflineService service = new FlinkOfflineService(config, registry)) {
      String running = service.submitExport(slow);
      String queued = service.submitExport(hourly(dir.resolve("queued").toString()));
      JobStatus never = service.cancel(queued);
      assertThat(never.state()).isEqualTo(JobStatus.State.CANCELLED);
      assertThat(never.finishedAt()).isNotNull();
      // the export's Flink job runs on the shared local cluster
      await()
          .atMost(Duration.ofMinutes(2))
          .until(
              () ->
                  FlinkBatch.sharedCluster() != null
                      && FlinkBatch.sharedCluster().listJobs().get().stream()
                          .anyMatch(
                              j ->
                                  j.getJobState()
                                      == org.apache.flink.api.common.JobStatus.RUNNING));
      Thread.sleep(1_000); // its tasks sweep
      JobStatus cancelled = service.cancel(running);
      assertThat(cancelled.state()).as(cancelled.error()).isEqualTo(JobStatus.State.CANCELLED);
      assertThat(cancelled.error()).isNull();
      assertThat(cancelled.finishedAt()).isNotNull();
      // no partial output is left for a reader to take for a result
      assertThat(TrainingSetFiles.parts(dir.resolve("slow"))).isEmpty();
      assertThat(dir.resolve("slow").resolve(TrainingSetManifest.FILE)).doesNotExist();
      // the Flink job itself was cancelled, not left running on the shared cluster
      var cluster = FlinkBatch.sharedCluster();
      assertThat(cluster.listJobs().get())
          .allSatisfy(j -> assertThat(j.getJobState().isGloballyTerminalState()).isTrue());
      // the queued job never ran
      assertThat(service.status(queued).state()).isEqualTo(JobStatus.State.CANCELLED);
      assertThat(dir.resolve("queued")).doesNotExist();
      // a finished job cannot be cancelled; an unknown id is named
      assertThatThrownBy(() -> service.cancel(running))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already CANCELLED");
      assertThatThrownBy(() -> service.cancel("nope"))
          .isInstanceOf(NoSuchElementException.class)
          .hasMessageContaining("'nope'");
      // the service runs the next job
      JobStatus next =
          awaitDone(service, service.submitExport(hourly(dir.resolve("next").toString())));
      assertThat(next.state()).as(next.error()).isEqualTo(JobStatus.State.SUCCEEDED);
    }
  }

  static ExportRequest hourly(String out) {
    return new ExportRequest(
        null,
        List.of("user_profile.last_amount"),
        null,
        null,
        null,
        Instant.ofEpochMilli(EventLog.BASE),
        Instant.ofEpochMilli(EventLog.BASE + 6 * EventLog.HOUR),
        Duration.ofHours(1),
        out,
        "parquet",
        null,
        null);
  }

  /** An export of one feature at the current time into {@code out}. */
  static ExportRequest exportNow(String feature) {
    return new ExportRequest(
        null,
        List.of(feature),
        null,
        null,
        List.of(Instant.now()),
        null,
        null,
        null,
        "out",
        null,
        null,
        null);
  }

  static JobStatus awaitDone(FlinkOfflineService service, String id) {
    await().atMost(Duration.ofMinutes(3)).until(() -> service.status(id).state().isFinal());
    return service.status(id);
  }
}
