package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.offline.spark.SparkTrainingSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Label sources on the Spark path read as the Flink path reads them: an Iceberg label table at its
 * pinned snapshot (a manifest's), integer times checked for their unit, and CSV times parsed by the
 * same rules.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SparkLabelSourcesITCase {
  @TempDir static Path dir;
  private SparkSession spark;
  private Catalog catalog;
  private QuiverConfig config;
  private FeatureView profile;
  private EventLog log;

  @BeforeAll
  void start() throws Exception {
    Path wh = dir.resolve("warehouse");
    config = QuiverConfig.of(Map.of("offline.warehouse", wh.toString()));
    catalog = OfflineCatalogs.open(config);
    profile = TestViews.userProfile();
    log = new EventLog(5).generate(profile, "u", 4, 200);
    EventLog.write(catalog, profile, log.events, "user_id");
    spark = LocalSpark.session("quiver-spark-label-sources", wh, 2);
  }

  @AfterAll
  void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  private TrainingSetRequest request(LabelSource labels, String out) {
    return new TrainingSetRequest(
        List.of(FeatureSelection.all(profile)),
        labels,
        null,
        dir.resolve(out).toString(),
        false,
        Map.of());
  }

  private List<Row> spark(TrainingSetRequest req) {
    return new SparkTrainingSet(spark, catalog, "quiver_offline").build(req).collectAsList();
  }

  private List<Record> flink(TrainingSetRequest req) {
    return TrainingSetFiles.read(
        new PointInTimeJoin(catalog, OfflineCatalogs.properties(config), 2).run(req).dataFiles());
  }

  /**
   * Before: Spark read an Iceberg label table's current snapshot whatever the source pinned, so a
   * Spark rebuild of a manifest took the rows appended (and the columns added) since, where the
   * Flink path reads the pinned snapshot.
   */
  @Test
  void anIcebergLabelTableIsReadAtItsPinnedSnapshotLikeFlink() throws Exception {
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
    ReproducibilityITCase.append(labels, rows);
    long pinned = labels.currentSnapshot().snapshotId();
    labels.updateSchema().addColumn("note", Types.StringType.get()).commit();
    GenericRecord late = GenericRecord.create(labels.schema());
    late.setField("user_id", "u1");
    late.setField("ts", OfflineWriter.timestamptz(EventLog.BASE));
    late.setField("y", 99);
    late.setField("note", "added later");
    ReproducibilityITCase.append(labels, List.of(late));

    TrainingSetRequest req =
        request(new LabelSource("iceberg", "lab.labels", "ts", pinned), "pinned");
    List<Row> sparkRows = spark(req);
    assertThat(sparkRows).hasSize(30);
    assertThat(sparkRows.get(0).schema().fieldNames()).doesNotContain("note");
    assertThat(sparkRows).noneSatisfy(r -> assertThat((Integer) r.getAs("y")).isEqualTo(99));
    SparkTrainingSetITCase.assertSameRows(sparkRows, flink(req), "pinned labels", "y");
    // unpinned: both read the current snapshot, with the new row and column
    TrainingSetRequest current = request(LabelSource.of("lab.labels", "ts"), "current");
    List<Row> currentRows = spark(current);
    assertThat(currentRows).hasSize(31);
    SparkTrainingSetITCase.assertSameRows(currentRows, flink(current), "current labels", "y");

    labels.expireSnapshots().expireSnapshotId(pinned).commit();
    TrainingSetRequest expired =
        request(new LabelSource("iceberg", "lab.labels", "ts", pinned), "expired");
    Throwable sparkError = catchThrowable(() -> spark(expired));
    Throwable flinkError = catchThrowable(() -> flink(expired));
    assertThat(sparkError)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "labels: snapshot "
                + pinned
                + " of Iceberg table lab.labels no longer exists (expired?); the manifest cannot be"
                + " rebuilt without the label rows it read")
        .hasMessage(flinkError.getMessage());
  }

  /**
   * Before: an int64 time column was taken for epoch milliseconds whatever it held, on the Spark
   * path without the Flink path's check, so epoch seconds became January 1970 (every feature null)
   * and microseconds thousands of years ahead; an int32 column was read the same way.
   */
  @Test
  void integerTimesInAnotherUnitAreRefusedNamingTheColumn() throws Exception {
    long t = EventLog.BASE + 3 * EventLog.HOUR;
    for (long value : new long[] {t / 1000, t * 1000}) {
      Schema s =
          new Schema(
              Types.NestedField.optional(1, "user_id", Types.StringType.get()),
              Types.NestedField.optional(2, "ts", Types.LongType.get()));
      GenericRecord r = GenericRecord.create(s);
      r.setField("user_id", "u1");
      r.setField("ts", value);
      Path f = dir.resolve("int-" + value).resolve("labels.parquet");
      TrainingSetFiles.write(s, f, List.of(r));
      assertThat(catchThrowable(() -> spark(request(LabelSource.of(f.toString(), "ts"), "o"))))
          .hasStackTraceContaining("labels.timestamp_column: 'ts' holds " + value)
          .hasStackTraceContaining(
              value < t ? "seconds? multiply by 1000" : "microseconds? divide by 1000");
    }
    Schema int32 =
        new Schema(
            Types.NestedField.optional(1, "user_id", Types.StringType.get()),
            Types.NestedField.optional(2, "ts", Types.IntegerType.get()));
    GenericRecord r = GenericRecord.create(int32);
    r.setField("user_id", "u1");
    r.setField("ts", (int) (t / 1000));
    Path f = dir.resolve("int32").resolve("labels.parquet");
    TrainingSetFiles.write(int32, f, List.of(r));
    TrainingSetRequest req = request(LabelSource.of(f.toString(), "ts"), "int32");
    Throwable sparkError = catchThrowable(() -> spark(req));
    assertThat(sparkError)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("labels.timestamp_column: 'ts' of " + f + " is a int column")
        .hasMessage(catchThrowable(() -> flink(req)).getMessage());
  }

  /**
   * Before: Spark read CSV times with {@code to_timestamp}, which gave null (so every feature of
   * the row null, without an error) for epoch millis text and for ISO-8601 basic offsets ({@code
   * +0100}, what strftime's %z writes), where the Flink path reads both.
   */
  @Test
  void csvTimesAreReadAsTheFlinkPathReadsThem() throws Exception {
    Schema asRead =
        new Schema(
            Types.NestedField.optional(1, "label_id", Types.StringType.get()),
            Types.NestedField.optional(2, "user_id", Types.StringType.get()),
            Types.NestedField.optional(3, "ts", Types.TimestampType.withZone()));
    StringBuilder csv = new StringBuilder("label_id,user_id,ts\n");
    List<Record> asReadRows = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      Instant at = Instant.ofEpochMilli(EventLog.BASE + i * 11 * EventLog.MIN + i);
      String text =
          switch (i % 4) {
            case 0 -> Long.toString(at.toEpochMilli());
            case 1 -> at.atOffset(ZoneOffset.ofHours(1)).toLocalDateTime() + "+0100";
            case 2 -> at.toString();
            default -> at.atOffset(ZoneOffset.UTC).toLocalDateTime().toString().replace('T', ' ');
          };
      csv.append(i).append(",u").append(i % 5).append(',').append(text).append('\n');
      GenericRecord r = GenericRecord.create(asRead);
      r.setField("label_id", Integer.toString(i));
      r.setField("user_id", "u" + (i % 5));
      r.setField("ts", OfflineWriter.timestamptz(at.toEpochMilli()));
      asReadRows.add(r);
    }
    Path csvFile = Files.createDirectories(dir.resolve("csv")).resolve("labels.csv");
    Files.writeString(csvFile, csv);
    Path asReadFile = dir.resolve("csv-as-read").resolve("labels.parquet");
    TrainingSetFiles.write(asRead, asReadFile, asReadRows);
    List<Row> sparkRows = spark(request(LabelSource.of(csvFile.toString(), "ts"), "csv"));
    assertThat(sparkRows).hasSize(40).noneSatisfy(r -> assertThat((Object) r.getAs("ts")).isNull());
    int[] compared =
        SparkTrainingSetITCase.assertSameRows(
            sparkRows,
            flink(request(LabelSource.of(asReadFile.toString(), "ts"), "csv-flink")),
            "CSV times",
            "label_id");
    for (Row row : sparkRows) {
      long at = ((Instant) row.getAs("ts")).toEpochMilli();
      SparkTrainingSetITCase.check(
          row,
          "user_profile",
          ReferencePit.values(profile, log.events, row.getAs("user_id"), at, false),
          "label " + row.getAs("label_id"));
    }
    assertThat(compared[0]).as("double values compared").isGreaterThan(20);

    Path seconds = Files.createDirectories(dir.resolve("csv-s")).resolve("labels.csv");
    Files.writeString(seconds, "user_id,ts\nu1," + EventLog.BASE / 1000 + "\n");
    assertThat(catchThrowable(() -> spark(request(LabelSource.of(seconds.toString(), "ts"), "s"))))
        .hasStackTraceContaining(
            "labels " + seconds + ": labels.timestamp_column: 'ts' holds " + EventLog.BASE / 1000)
        .hasStackTraceContaining("seconds? multiply by 1000");
  }
}
