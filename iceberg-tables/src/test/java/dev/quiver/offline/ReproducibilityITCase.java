package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An export rebuilt from its manifest after a backfill and new data is identical, byte for byte;
 * the same snapshots are readable by Flink SQL time travel.
 */
class ReproducibilityITCase {
  @TempDir Path dir;

  @Test
  void rebuildFromManifestIgnoresLaterBackfillsAndNewData() throws Exception {
    Path wh = dir.resolve("warehouse");
    QuiverConfig config = QuiverConfig.of(Map.of("offline.warehouse", wh.toString()));
    Catalog catalog = OfflineCatalogs.open(config);
    PointInTimeJoin join = new PointInTimeJoin(catalog, OfflineCatalogs.properties(config), 2);
    FeatureView profile = TestViews.userProfile();
    FeatureView aggs = TestViews.userTxnAggs();
    EventLog log = new EventLog(3).generate(profile, "u", 4, 200).generate(aggs, "u", 4, 300);
    EventLog.write(catalog, profile, log.events, "user_id");
    EventLog.write(catalog, aggs, log.events, "user_id");

    Path labels = dir.resolve("labels.parquet");
    List<Record> rows = new ArrayList<>();
    var schema = PointInTimeJoinITCase.labelSchema();
    for (int i = 0; i < 120; i++) {
      GenericRecord r = GenericRecord.create(schema);
      r.setField("label_id", i);
      r.setField("user_id", "u" + (i % 5));
      r.setField("merchant_id", "m1");
      r.setField("ts", OfflineWriter.timestamptz(EventLog.BASE + i * 3 * EventLog.MIN));
      rows.add(r);
    }
    TrainingSetFiles.write(schema, labels, rows);
    TrainingSetRequest request =
        new TrainingSetRequest(
            List.of(FeatureSelection.all(profile), FeatureSelection.all(aggs)),
            LabelSource.of(labels.toString(), "ts"),
            null,
            dir.resolve("first").toString(),
            false,
            Map.of());
    PointInTimeJoin.Result first = join.run(request);
    TrainingSetManifest manifest = TrainingSetManifest.read(first.manifestFile());
    assertThat(manifest.views()).hasSize(2);
    assertThat(manifest.views().get(0).snapshotId())
        .isEqualTo(
            catalog.loadTable(OfflineTables.identifier(profile)).currentSnapshot().snapshotId());
    assertThat(manifest.labels().checksum()).startsWith("sha256:");
    assertThat(manifest.rows()).isEqualTo(120);

    // later: a backfill rewrites old event times, and new data lands
    Table t = catalog.loadTable(OfflineTables.identifier(profile));
    long pinned = t.currentSnapshot().snapshotId();
    OfflineWriter w = new OfflineWriter(t);
    for (int i = 0; i < 50; i++) {
      Map<String, Object> row = new HashMap<>();
      row.put("user_id", "u" + (i % 5));
      row.put("event_time", EventLog.BASE + i * 5 * EventLog.MIN + 1);
      row.put("last_amount", 9999.0);
      row.put("last_merchant", "backfilled");
      row.put("_seq", 10_000_000L + i);
      row.put("_ingested_at", EventLog.BASE + 30 * EventLog.HOUR);
      w.add(w.record(row));
    }
    w.commit(Map.of(OfflineTables.BACKFILL_ID_PROPERTY, "bf-test"));
    EventLog more = new EventLog(99).generate(aggs, "u", 5, 100);
    EventLog.write(catalog, aggs, more.events, "user_id");

    // a fresh export sees the new data ...
    PointInTimeJoin.Result fresh = join.run(request.withOutput(dir.resolve("fresh").toString()));
    assertThat(TrainingSetFiles.read(fresh.dataFiles()))
        .isNotEqualTo(TrainingSetFiles.read(first.dataFiles()));
    // ... the rebuild does not: identical rows and identical bytes
    PointInTimeJoin.Result rebuilt = join.rebuild(manifest, dir.resolve("rebuilt").toString());
    assertThat(TrainingSetFiles.read(rebuilt.dataFiles()))
        .isEqualTo(TrainingSetFiles.read(first.dataFiles()));
    assertThat(rebuilt.manifest().outputChecksum()).isEqualTo(manifest.outputChecksum());
    assertThat(rebuilt.manifest().outputDataChecksum())
        .startsWith("sha256:")
        .isEqualTo(manifest.outputDataChecksum());
    // every part: same file name, rows and bytes; the manifest's figures are the files' own
    assertThat(rebuilt.manifest().parts()).isEqualTo(manifest.parts());
    assertThat(manifest.parts()).hasSize(first.dataFiles().size()).hasSizeGreaterThan(1);
    assertThat(manifest.parts().stream().mapToLong(TrainingSetManifest.PartEntry::rows).sum())
        .isEqualTo(120);
    for (int i = 0; i < first.dataFiles().size(); i++) {
      Path part = first.dataFiles().get(i);
      TrainingSetManifest.PartEntry e = manifest.parts().get(i);
      assertThat(e.file()).isEqualTo(part.getFileName().toString());
      assertThat(e.rows()).isEqualTo(TrainingSetFiles.read(part).size());
      assertThat(e.checksum()).isEqualTo(LabelTables.checksum(List.of(part)));
      assertThat(e.dataChecksum()).isEqualTo(pagesSha256(part));
      assertThat(TrainingSetFiles.read(rebuilt.dataFiles().get(i)))
          .isEqualTo(TrainingSetFiles.read(part));
    }

    // changed labels are refused with the reason
    TrainingSetFiles.write(schema, labels, rows.subList(0, 10));
    assertThatThrownBy(() -> join.rebuild(manifest, dir.resolve("again").toString()))
        .hasMessageContaining("labels changed since the manifest was written");

    // Flink SQL time travel reads the pinned snapshot and the backfill's snapshot
    TableEnvironment sql = TableEnvironment.create(EnvironmentSettings.inBatchMode());
    String name = config.get(OfflineOptions.CATALOG_NAME);
    long pinnedCount =
        count(
            TimeTravel.query(
                    sql,
                    config,
                    "SELECT COUNT(*) FROM ("
                        + TimeTravel.selectAsOfSnapshot(name, profile, pinned)
                        + ")")
                .collect());
    long nowCount =
        count(
            TimeTravel.query(
                    sql,
                    config,
                    "SELECT COUNT(*) FROM ("
                        + TimeTravel.selectAsOfTime(name, profile, java.time.Instant.now())
                        + ")")
                .collect());
    long expected = log.events.stream().filter(e -> e.view().equals("user_profile")).count();
    assertThat(pinnedCount).isEqualTo(expected);
    assertThat(nowCount).isEqualTo(expected + 50);
    assertThat(Files.exists(first.manifestFile())).isTrue();
  }

  /**
   * Label rows from an Iceberg table are read as of the manifest's label snapshot, with that
   * snapshot's columns (before: a column added to the label table since became a column of the
   * rebuild, so its rows were not the original's); a label snapshot expired since is refused naming
   * it (it was Iceberg's "Cannot find snapshot" from inside the job).
   */
  @Test
  void rebuildReadsIcebergLabelsAsOfTheirSnapshotWithItsColumns() throws Exception {
    Path wh = dir.resolve("warehouse");
    QuiverConfig config = QuiverConfig.of(Map.of("offline.warehouse", wh.toString()));
    Catalog catalog = OfflineCatalogs.open(config);
    PointInTimeJoin join = new PointInTimeJoin(catalog, OfflineCatalogs.properties(config), 2);
    FeatureView profile = TestViews.userProfile();
    EventLog log = new EventLog(5).generate(profile, "u", 4, 200);
    EventLog.write(catalog, profile, log.events, "user_id");
    Schema schema =
        new Schema(
            Types.NestedField.optional(1, "user_id", Types.StringType.get()),
            Types.NestedField.optional(2, "ts", Types.TimestampType.withZone()),
            Types.NestedField.optional(3, "y", Types.IntegerType.get()));
    ((SupportsNamespaces) catalog).createNamespace(Namespace.of("lab"));
    Table labels = catalog.createTable(TableIdentifier.of("lab", "labels"), schema);
    List<Record> rows = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      GenericRecord r = GenericRecord.create(schema);
      r.setField("user_id", "u" + (i % 5));
      r.setField("ts", OfflineWriter.timestamptz(EventLog.BASE + i * 7 * EventLog.MIN));
      r.setField("y", i);
      rows.add(r);
    }
    append(labels, rows);
    PointInTimeJoin.Result first =
        join.run(
            new TrainingSetRequest(
                List.of(FeatureSelection.all(profile)),
                LabelSource.of("lab.labels", "ts"),
                null,
                dir.resolve("first").toString(),
                false,
                Map.of()));
    TrainingSetManifest manifest = TrainingSetManifest.read(first.manifestFile());
    long labelSnapshot = labels.currentSnapshot().snapshotId();
    assertThat(manifest.labels().snapshotId()).isEqualTo(labelSnapshot);

    // later: the label table gets a column and a row
    labels.updateSchema().addColumn("note", Types.StringType.get()).commit();
    GenericRecord late = GenericRecord.create(labels.schema());
    late.setField("user_id", "u1");
    late.setField("ts", OfflineWriter.timestamptz(EventLog.BASE));
    late.setField("y", 99);
    late.setField("note", "added later");
    append(labels, List.of(late));

    PointInTimeJoin.Result rebuilt = join.rebuild(manifest, dir.resolve("rebuilt").toString());
    assertThat(TrainingSetFiles.schemaOf(rebuilt.dataFiles().get(0)).asStruct())
        .isEqualTo(TrainingSetFiles.schemaOf(first.dataFiles().get(0)).asStruct());
    assertThat(TrainingSetFiles.read(rebuilt.dataFiles()))
        .isEqualTo(TrainingSetFiles.read(first.dataFiles()));
    assertThat(rebuilt.manifest().outputDataChecksum()).isEqualTo(manifest.outputDataChecksum());

    // the pinned label snapshot expired: refused, naming it
    labels.expireSnapshots().expireSnapshotId(labelSnapshot).commit();
    assertThatThrownBy(() -> join.rebuild(manifest, dir.resolve("expired").toString()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "labels: snapshot "
                + labelSnapshot
                + " of Iceberg table lab.labels no longer exists (expired?); the manifest cannot be"
                + " rebuilt without the label rows it read");
  }

  /**
   * A view's table recreated after the export (quiver local starts new tables at each start and
   * sets the previous run's aside) does not hold the pinned snapshot: the refusal says so, instead
   * of "expired?", which sent the user to the retention settings. Review, session 17.
   */
  @Test
  void aRebuildOnATableRecreatedSinceTheExportSaysSo() throws Exception {
    Path wh = dir.resolve("warehouse");
    QuiverConfig config = QuiverConfig.of(Map.of("offline.warehouse", wh.toString()));
    Catalog catalog = OfflineCatalogs.open(config);
    PointInTimeJoin join = new PointInTimeJoin(catalog, OfflineCatalogs.properties(config), 2);
    FeatureView profile = TestViews.userProfile();
    EventLog.write(
        catalog, profile, new EventLog(7).generate(profile, "u", 3, 50).events, "user_id");
    PointInTimeJoin.Result first =
        join.run(
            new TrainingSetRequest(
                List.of(FeatureSelection.all(profile)),
                null,
                new Spine(List.of(java.time.Instant.ofEpochMilli(EventLog.BASE + EventLog.HOUR))),
                dir.resolve("first").toString(),
                false,
                Map.of()));
    TrainingSetManifest manifest = TrainingSetManifest.read(first.manifestFile());
    long pinned = manifest.views().get(0).snapshotId();

    catalog.dropTable(OfflineTables.identifier(profile), true);
    Thread.sleep(5); // the new table's first commit is after the export
    EventLog.write(
        catalog, profile, new EventLog(8).generate(profile, "u", 3, 50).events, "user_id");
    Table recreated = catalog.loadTable(OfflineTables.identifier(profile));
    long oldest =
        java.util.stream.StreamSupport.stream(recreated.snapshots().spliterator(), false)
            .min(java.util.Comparator.comparingLong(org.apache.iceberg.Snapshot::timestampMillis))
            .orElseThrow()
            .snapshotId();
    assertThatThrownBy(() -> join.rebuild(manifest, dir.resolve("rebuilt").toString()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "snapshot "
                + pinned
                + " of default.user_profile_v1 no longer exists; the manifest cannot be rebuilt:"
                + " the table was created after this export (its oldest snapshot, "
                + oldest
                + ", was committed at ")
        .hasMessageContaining("after the export at " + manifest.createdAt())
        .hasMessageContaining("quiver local starts new offline tables");
    // a snapshot that expired from a table older than the export is still called that
    assertThatThrownBy(
            () ->
                join.rebuild(
                    new TrainingSetManifest(
                        manifest.formatVersion(),
                        manifest.exportId(),
                        java.time.Instant.ofEpochMilli(
                            recreated.currentSnapshot().timestampMillis() + 1),
                        manifest.views(),
                        manifest.labels(),
                        manifest.referenceTimes(),
                        manifest.availabilityGuard(),
                        manifest.output(),
                        manifest.rows(),
                        manifest.outputChecksum(),
                        manifest.parts(),
                        manifest.outputDataChecksum()),
                    dir.resolve("rebuilt2").toString()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "snapshot "
                + pinned
                + " of default.user_profile_v1 no longer exists; the manifest cannot be rebuilt:"
                + " it expired");
  }

  /** Appends records to an Iceberg table as one Parquet data file. */
  static void append(Table table, List<Record> rows) throws Exception {
    String file =
        table.locationProvider().newDataLocation(java.util.UUID.randomUUID() + ".parquet");
    Schema s = table.schema();
    org.apache.iceberg.io.DataWriter<Record> w =
        org.apache.iceberg.parquet.Parquet.writeData(table.io().newOutputFile(file))
            .schema(s)
            .createWriterFunc(
                mt -> org.apache.iceberg.data.parquet.GenericParquetWriter.create(s, mt))
            .withSpec(table.spec())
            .overwrite()
            .build();
    try (w) {
      for (Record r : rows) {
        w.write(r);
      }
    }
    table.newAppend().appendFile(w.toDataFile()).commit();
  }

  private static long count(CloseableIterator<Row> it) throws Exception {
    try (it) {
      return ((Number) it.next().getField(0)).longValue();
    }
  }

  /** SHA-256 of a Parquet file's bytes before its footer, read plainly from the file's tail. */
  private static String pagesSha256(Path parquet) throws Exception {
    byte[] f = java.nio.file.Files.readAllBytes(parquet);
    int footer =
        java.nio.ByteBuffer.wrap(f, f.length - 8, 4)
            .order(java.nio.ByteOrder.LITTLE_ENDIAN)
            .getInt();
    byte[] digest =
        java.security.MessageDigest.getInstance("SHA-256")
            .digest(java.util.Arrays.copyOf(f, f.length - 8 - footer));
    return "sha256:" + java.util.HexFormat.of().formatHex(digest);
  }
}
