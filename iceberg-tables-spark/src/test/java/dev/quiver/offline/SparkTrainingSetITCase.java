package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.within;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.offline.spark.SparkTrainingSet;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark path in local[2] on the same generated log, labels and views as the Flink ITCase: Spark
 * reads the Quiver-layout Iceberg tables unchanged and its training set equals the plain reference
 * row for row, and equals the Flink path's ({@link PointInTimeJoin}) output for the same request
 * directly — same columns, same row order, same values — with the availability guard on and off.
 */
class SparkTrainingSetITCase {
  @TempDir Path dir;

  @Test
  void sparkTrainingSetEqualsTheReference() throws Exception {
    Path wh = dir.resolve("warehouse");
    QuiverConfig config = QuiverConfig.of(Map.of("offline.warehouse", wh.toString()));
    Catalog catalog = OfflineCatalogs.open(config);
    FeatureView profile = TestViews.userProfile();
    FeatureView aggs = TestViews.userTxnAggs();
    FeatureView risk = TestViews.merchantRisk();
    EventLog log =
        new EventLog(42)
            .generate(profile, "u", 6, 400)
            .generate(aggs, "u", 6, 600)
            .generate(risk, "m", 4, 300);
    EventLog.write(catalog, profile, log.events, "user_id");
    EventLog.write(catalog, aggs, log.events, "user_id");
    EventLog.write(catalog, risk, log.events, "merchant_id");
    Random rnd = new Random(7);
    List<Record> labels = new ArrayList<>();
    var schema = PointInTimeJoinITCase.labelSchema();
    for (int i = 0; i < 300; i++) {
      long t = EventLog.BASE - 30 * EventLog.MIN + (long) (rnd.nextDouble() * 8 * EventLog.HOUR);
      GenericRecord r = GenericRecord.create(schema);
      r.setField("label_id", i);
      r.setField("user_id", "u" + rnd.nextInt(7));
      r.setField("merchant_id", "m" + rnd.nextInt(5));
      r.setField("ts", OfflineWriter.timestamptz(t));
      r.setField("is_fraud", i % 3 == 0);
      labels.add(r);
    }
    Path labelFile = dir.resolve("labels").resolve("labels.parquet");
    TrainingSetFiles.write(schema, labelFile, labels);

    SparkSession spark = LocalSpark.session("quiver-spark-training-set", wh, 4);
    try {
      for (boolean guard : new boolean[] {true, false}) {
        TrainingSetRequest req =
            new TrainingSetRequest(
                List.of(
                    FeatureSelection.all(profile),
                    FeatureSelection.all(aggs),
                    FeatureSelection.all(risk)),
                LabelSource.of(labelFile.getParent().toString(), "ts"),
                null,
                dir.resolve("out-" + guard).toString(),
                guard,
                Map.of());
        List<Row> rows =
            new SparkTrainingSet(spark, catalog, "quiver_offline").build(req).collectAsList();
        assertThat(rows).hasSize(labels.size());
        // Spark vs Flink directly: the same request through PointInTimeJoin (Flink batch)
        List<Record> flink =
            TrainingSetFiles.read(
                new PointInTimeJoin(catalog, OfflineCatalogs.properties(config), 2)
                    .run(
                        new TrainingSetRequest(
                            req.features(),
                            req.labels(),
                            null,
                            dir.resolve("flink-" + guard).toString(),
                            guard,
                            Map.of()))
                    .dataFiles());
        int[] compared = assertSameRows(rows, flink, "guard=" + guard, "label_id");
        assertThat(compared[0])
            .as("guard=" + guard + " double values compared")
            .isGreaterThan(1000);
        assertThat(compared[1]).as("guard=" + guard + " null values compared").isGreaterThan(100);
        long prev = Long.MIN_VALUE;
        for (Row row : rows) {
          long t = ((Instant) row.getAs("ts")).toEpochMilli();
          assertThat(t).isGreaterThanOrEqualTo(prev);
          prev = t;
          String user = row.getAs("user_id");
          String merchant = row.getAs("merchant_id");
          String where = "label " + row.getAs("label_id") + " guard=" + guard;
          check(
              row, "user_profile", ReferencePit.values(profile, log.events, user, t, guard), where);
          check(row, "user_txn_aggs", ReferencePit.values(aggs, log.events, user, t, guard), where);
          check(
              row,
              "merchant_risk",
              ReferencePit.values(risk, log.events, merchant, t, guard),
              where);
        }
      }
      // labels as pandas writes them (QA pass, session 12: Spark refused each of these label
      // columns, "unsupported label column type", where the Flink path carries them): a zone-less
      // time column (read as UTC), a date, a list and a microsecond timestamp
      org.apache.iceberg.Schema pandas =
          new org.apache.iceberg.Schema(
              Types.NestedField.required(1, "label_id", Types.IntegerType.get()),
              Types.NestedField.optional(2, "user_id", Types.StringType.get()),
              Types.NestedField.optional(3, "merchant_id", Types.StringType.get()),
              Types.NestedField.optional(4, "ts", Types.TimestampType.withoutZone()),
              Types.NestedField.optional(5, "day", Types.DateType.get()),
              Types.NestedField.optional(
                  6, "tags", Types.ListType.ofOptional(8, Types.StringType.get())),
              Types.NestedField.optional(7, "seen_at", Types.TimestampType.withZone()));
      List<Record> naive = new ArrayList<>();
      for (Record l : labels) {
        GenericRecord r = GenericRecord.create(pandas);
        LocalDateTime wall =
            ((java.time.OffsetDateTime) l.getField("ts"))
                .withOffsetSameInstant(ZoneOffset.UTC)
                .toLocalDateTime();
        r.setField("label_id", l.getField("label_id"));
        r.setField("user_id", l.getField("user_id"));
        r.setField("merchant_id", l.getField("merchant_id"));
        r.setField("ts", wall);
        r.setField("day", wall.toLocalDate());
        r.setField("tags", (Integer) l.getField("label_id") % 4 == 0 ? null : List.of("a", "b"));
        r.setField("seen_at", wall.plusNanos(123_456_000).atOffset(ZoneOffset.UTC));
        naive.add(r);
      }
      Path naiveFile = dir.resolve("naive").resolve("labels.parquet");
      TrainingSetFiles.write(pandas, naiveFile, naive);
      TrainingSetRequest req =
          new TrainingSetRequest(
              List.of(
                  FeatureSelection.all(profile),
                  FeatureSelection.all(aggs),
                  FeatureSelection.all(risk)),
              LabelSource.of(naiveFile.toString(), "ts"),
              null,
              dir.resolve("out-naive").toString(),
              false,
              Map.of());
      List<Row> rows =
          new SparkTrainingSet(spark, catalog, "quiver_offline").build(req).collectAsList();
      List<Record> flink =
          TrainingSetFiles.read(
              new PointInTimeJoin(catalog, OfflineCatalogs.properties(config), 2)
                  .run(
                      new TrainingSetRequest(
                          req.features(),
                          req.labels(),
                          null,
                          dir.resolve("flink-naive").toString(),
                          false,
                          Map.of()))
                  .dataFiles());
      assertSameRows(rows, flink, "pandas labels", "label_id");
      // nanosecond label times (pandas' datetime64[ns, UTC] as pyarrow writes it: Parquet
      // TIMESTAMP(NANOS)), which Spark's own Parquet reader refuses ("Illegal Parquet type")
      org.apache.iceberg.Schema nanos =
          new org.apache.iceberg.Schema(
              Types.NestedField.optional(1, "label_id", Types.IntegerType.get()),
              Types.NestedField.optional(2, "user_id", Types.StringType.get()),
              Types.NestedField.optional(3, "merchant_id", Types.StringType.get()),
              Types.NestedField.optional(4, "ts", Types.TimestampNanoType.withZone()));
      List<Record> nanoRows = new ArrayList<>();
      for (Record l : labels) {
        GenericRecord r = GenericRecord.create(nanos);
        r.setField("label_id", l.getField("label_id"));
        int id = (Integer) l.getField("label_id");
        // null keys (of one entity, or both) and null times: kept, with null features of the
        // entity whose key is null (all null without a time), the same on both engines
        r.setField("user_id", id % 10 == 1 ? null : l.getField("user_id"));
        r.setField("merchant_id", id % 20 == 1 || id % 10 == 7 ? null : l.getField("merchant_id"));
        r.setField(
            "ts",
            id % 15 == 4 ? null : ((java.time.OffsetDateTime) l.getField("ts")).plusNanos(999_999));
        nanoRows.add(r);
      }
      Path nanoFile = dir.resolve("nanos").resolve("labels.parquet");
      TrainingSetFiles.write(nanos, nanoFile, nanoRows);
      TrainingSetRequest nanoReq =
          new TrainingSetRequest(
              req.features(),
              LabelSource.of(nanoFile.toString(), "ts"),
              null,
              dir.resolve("out-nanos").toString(),
              false,
              Map.of());
      List<Row> nanoSpark =
          new SparkTrainingSet(spark, catalog, "quiver_offline").build(nanoReq).collectAsList();
      List<Record> nanoFlink =
          TrainingSetFiles.read(
              new PointInTimeJoin(catalog, OfflineCatalogs.properties(config), 2)
                  .run(
                      new TrainingSetRequest(
                          req.features(),
                          nanoReq.labels(),
                          null,
                          dir.resolve("flink-nanos").toString(),
                          false,
                          Map.of()))
                  .dataFiles());
      assertSameRows(nanoSpark, nanoFlink, "nanosecond labels", "label_id");
      // a CSV file written by hand, with a space after each comma and blank cells: the Flink path
      // strips the values (a blank one is null); Spark's CSV reader kept " u1" and " ts"
      StringBuilder csv = new StringBuilder("label_id, user_id, merchant_id, ts\n");
      for (Record l : labels) {
        int id = (Integer) l.getField("label_id");
        csv.append(id)
            .append(", ")
            .append(l.getField("user_id"))
            .append(", ")
            .append(id % 10 == 3 ? "" : l.getField("merchant_id"))
            .append(",  ")
            .append(((java.time.OffsetDateTime) l.getField("ts")).toInstant())
            .append(" \n");
      }
      Path csvFile = dir.resolve("csv").resolve("labels.csv");
      java.nio.file.Files.createDirectories(csvFile.getParent());
      java.nio.file.Files.writeString(csvFile, csv);
      TrainingSetRequest csvReq =
          new TrainingSetRequest(
              req.features(),
              LabelSource.of(csvFile.toString(), "ts"),
              null,
              dir.resolve("out-csv").toString(),
              false,
              Map.of());
      List<Row> csvSpark =
          new SparkTrainingSet(spark, catalog, "quiver_offline").build(csvReq).collectAsList();
      // the Flink path's CSV reader (Jackson's) does not run beside Spark's Jackson 2.15 in this
      // module: Flink reads the same rows from Parquet, as its CSV reader gives them (strings)
      org.apache.iceberg.Schema asRead =
          new org.apache.iceberg.Schema(
              Types.NestedField.optional(1, "label_id", Types.StringType.get()),
              Types.NestedField.optional(2, "user_id", Types.StringType.get()),
              Types.NestedField.optional(3, "merchant_id", Types.StringType.get()),
              Types.NestedField.optional(4, "ts", Types.TimestampType.withZone()));
      List<Record> asReadRows = new ArrayList<>();
      for (Record l : labels) {
        int id = (Integer) l.getField("label_id");
        GenericRecord r = GenericRecord.create(asRead);
        r.setField("label_id", Integer.toString(id));
        r.setField("user_id", l.getField("user_id"));
        r.setField("merchant_id", id % 10 == 3 ? null : l.getField("merchant_id"));
        r.setField("ts", l.getField("ts"));
        asReadRows.add(r);
      }
      Path asReadFile = dir.resolve("csv-as-read").resolve("labels.parquet");
      TrainingSetFiles.write(asRead, asReadFile, asReadRows);
      List<Record> csvFlink =
          TrainingSetFiles.read(
              new PointInTimeJoin(catalog, OfflineCatalogs.properties(config), 2)
                  .run(
                      new TrainingSetRequest(
                          req.features(),
                          LabelSource.of(asReadFile.toString(), "ts"),
                          null,
                          dir.resolve("flink-csv").toString(),
                          false,
                          Map.of()))
                  .dataFiles());
      assertSameRows(csvSpark, csvFlink, "CSV labels", "label_id");
      assertThat(csvFlink).anySatisfy(r -> assertThat(r.getField("merchant_id")).isNull());
      assertThat(nanoFlink)
          .filteredOn(r -> r.getField("user_id") == null && r.getField("merchant_id") != null)
          .isNotEmpty()
          .allSatisfy(r -> assertThat(r.getField("user_profile__last_amount")).isNull())
          .anySatisfy(r -> assertThat(r.getField("merchant_risk__risk_score")).isNotNull());
      // label rows the Flink path refuses, Spark refuses with the same message before reading
      // them (QA pass, session 12: a label column named like a feature's output column failed
      // later with Iceberg's "Invalid schema: multiple fields for name ...")
      org.apache.iceberg.Schema clash =
          new org.apache.iceberg.Schema(
              Types.NestedField.optional(1, "user_id", Types.StringType.get()),
              Types.NestedField.optional(2, "merchant_id", Types.StringType.get()),
              Types.NestedField.optional(3, "ts", Types.TimestampType.withZone()),
              Types.NestedField.optional(4, "user_profile__last_amount", Types.DoubleType.get()));
      GenericRecord c = GenericRecord.create(clash);
      c.setField("user_id", "u1");
      c.setField("merchant_id", "m1");
      c.setField("ts", labels.get(0).getField("ts"));
      c.setField("user_profile__last_amount", 1.0);
      Path clashFile = dir.resolve("clash").resolve("labels.parquet");
      TrainingSetFiles.write(clash, clashFile, List.of(c));
      for (String time : List.of("ts", "when")) {
        TrainingSetRequest bad =
            new TrainingSetRequest(
                List.of(FeatureSelection.all(profile), FeatureSelection.all(risk)),
                LabelSource.of(clashFile.toString(), time),
                null,
                dir.resolve("out-clash-" + time).toString(),
                false,
                Map.of());
        Throwable sparkError =
            catchThrowable(() -> new SparkTrainingSet(spark, catalog, "quiver_offline").build(bad));
        Throwable flinkError =
            catchThrowable(
                () -> new PointInTimeJoin(catalog, OfflineCatalogs.properties(config), 2).run(bad));
        assertThat(sparkError)
            .as(time)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith(
                time.equals("ts")
                    ? "labels: column 'user_profile__last_amount' has the name of the output"
                        + " column of feature default.user_profile:v1.last_amount"
                    : "labels.timestamp_column: 'when' is not a column of " + clashFile)
            .hasMessage(flinkError.getMessage());
      }
      // a float64 join key (pandas' integer column with a missing value) joined nothing on
      // either path: both refuse it with the same message
      org.apache.iceberg.Schema floatKey =
          new org.apache.iceberg.Schema(
              Types.NestedField.optional(1, "user_id", Types.DoubleType.get()),
              Types.NestedField.optional(2, "ts", Types.TimestampType.withZone()));
      GenericRecord fk = GenericRecord.create(floatKey);
      fk.setField("user_id", 1.0);
      fk.setField("ts", labels.get(0).getField("ts"));
      Path floatKeyFile = dir.resolve("float-key").resolve("labels.parquet");
      TrainingSetFiles.write(floatKey, floatKeyFile, List.of(fk));
      TrainingSetRequest floatKeyRequest =
          new TrainingSetRequest(
              List.of(FeatureSelection.all(profile)),
              LabelSource.of(floatKeyFile.toString(), "ts"),
              null,
              dir.resolve("out-float-key").toString(),
              false,
              Map.of());
      Throwable sparkKeyError =
          catchThrowable(
              () -> new SparkTrainingSet(spark, catalog, "quiver_offline").build(floatKeyRequest));
      Throwable flinkKeyError =
          catchThrowable(
              () ->
                  new PointInTimeJoin(catalog, OfflineCatalogs.properties(config), 2)
                      .run(floatKeyRequest));
      assertThat(sparkKeyError)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(
              "labels: join key 'user_id' of " + floatKeyFile + " is double (expected:")
          .hasMessage(flinkKeyError.getMessage());
      spineEqualsFlinkAndTheReference(spark, catalog, config, log, profile, aggs);
    } finally {
      spark.stop();
    }
  }

  /**
   * Retrieval without labels (every user's values every 20 minutes) through both engines: the same
   * rows as Flink's, each equal to the reference, including the reference times before a user's
   * first event (null features).
   */
  private void spineEqualsFlinkAndTheReference(
      SparkSession spark,
      Catalog catalog,
      QuiverConfig config,
      EventLog log,
      FeatureView profile,
      FeatureView aggs) {
    Spine spine =
        Spine.range(
            Instant.ofEpochMilli(EventLog.BASE - 30 * EventLog.MIN),
            Instant.ofEpochMilli(EventLog.BASE + 8 * EventLog.HOUR),
            java.time.Duration.ofMinutes(20));
    TrainingSetRequest req =
        new TrainingSetRequest(
            List.of(FeatureSelection.all(profile), FeatureSelection.all(aggs)),
            null,
            spine,
            dir.resolve("out-spine").toString(),
            true,
            Map.of());
    List<Row> rows =
        new SparkTrainingSet(spark, catalog, "quiver_offline").build(req).collectAsList();
    List<Record> flink =
        TrainingSetFiles.read(
            new PointInTimeJoin(catalog, OfflineCatalogs.properties(config), 2)
                .run(
                    new TrainingSetRequest(
                        req.features(),
                        null,
                        spine,
                        dir.resolve("flink-spine").toString(),
                        true,
                        Map.of()))
                .dataFiles());
    assertThat(rows).hasSizeGreaterThan(100);
    int[] compared = assertSameRows(rows, flink, "spine", "user_id", SpineLabels.TIME_COLUMN);
    assertThat(compared[0]).as("spine double values compared").isGreaterThan(100);
    assertThat(compared[1]).as("spine null values compared").isGreaterThan(10);
    for (Row row : rows) {
      long t = ((Instant) row.getAs(SpineLabels.TIME_COLUMN)).toEpochMilli();
      String user = row.getAs("user_id");
      String where = "spine " + user + " at " + Instant.ofEpochMilli(t);
      check(row, "user_profile", ReferencePit.values(profile, log.events, user, t, true), where);
      check(row, "user_txn_aggs", ReferencePit.values(aggs, log.events, user, t, true), where);
    }
  }

  /**
   * Spark's rows equal Flink's row for row: the same columns, the same order, equal values (epoch
   * millis for timestamps; doubles within 1e-9 relative, as the engines may sum in another order).
   */
  /**
   * Compares row for row in the order of the named columns (Spark writes one globally ordered
   * result, Flink one part per sweep subtask, each ordered by label time), and returns how many
   * double and null values it compared.
   */
  static int[] assertSameRows(
      List<Row> sparkRows, List<Record> flinkRows, String where, String... orderBy) {
    List<Row> spark = new java.util.ArrayList<>(sparkRows);
    List<Record> flink = new java.util.ArrayList<>(flinkRows);
    spark.sort(
        java.util.Comparator.comparing(
            r -> sortKey(java.util.Arrays.stream(orderBy).map(c -> r.getAs(c)).toList())));
    flink.sort(
        java.util.Comparator.comparing(
            r -> sortKey(java.util.Arrays.stream(orderBy).map(c -> r.getField(c)).toList())));
    assertThat(spark).as(where + " row count").hasSameSizeAs(flink);
    List<String> columns = flink.get(0).struct().fields().stream().map(f -> f.name()).toList();
    assertThat(List.of(spark.get(0).schema().fieldNames()))
        .as(where + " columns")
        .containsExactlyElementsOf(columns);
    int doubles = 0;
    int nulls = 0;
    for (int i = 0; i < flink.size(); i++) {
      for (String c : columns) {
        Object f = normalize(flink.get(i).getField(c));
        Object s = normalize(spark.get(i).getAs(c));
        String at =
            where
                + " row "
                + i
                + " ("
                + sortKey(List.of(flink.get(i).getField(orderBy[0])))
                + ") "
                + c;
        if (f instanceof Double d && s instanceof Double e) {
          assertThat(e).as(at).isCloseTo(d, within(1e-9 * Math.max(1, Math.abs(d))));
          doubles++;
        } else {
          assertThat(s).as(at).isEqualTo(f);
        }
        if (f == null) {
          nulls++;
        }
      }
    }
    return new int[] {doubles, nulls};
  }

  /** A sort key of normalized values (ints and strings as text, padded so that numbers order). */
  private static String sortKey(List<Object> values) {
    StringBuilder b = new StringBuilder();
    for (Object v : values) {
      Object n = normalize(v);
      b.append(n instanceof Long l ? String.format("%020d", l) : String.valueOf(n))
          .append('\u0000');
    }
    return b.toString();
  }

  private static Object normalize(Object v) {
    if (v instanceof scala.collection.Seq<?> s) {
      return List.copyOf(scala.collection.JavaConverters.seqAsJavaList(s));
    }
    if (v instanceof List<?> l) {
      return List.copyOf(l);
    }
    if (v instanceof Instant t) {
      return t.toEpochMilli();
    }
    if (v instanceof java.time.OffsetDateTime t) {
      return t.toInstant().toEpochMilli();
    }
    if (v instanceof Float f) {
      return f.doubleValue();
    }
    if (v instanceof Integer n) {
      return n.longValue();
    }
    return v;
  }

  static void check(Row row, String view, Map<String, Object> expected, String where) {
    expected.forEach(
        (f, v) -> {
          Object actual = row.getAs(view + "__" + f);
          if (actual instanceof scala.collection.Seq<?> s) {
            actual = scala.collection.JavaConverters.seqAsJavaList(s);
          }
          PitAssert.assertFeature(where + " " + view + "__" + f, actual, v);
        });
  }
}
