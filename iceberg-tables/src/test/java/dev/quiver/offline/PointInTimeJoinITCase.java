package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.spec.FeatureView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.iceberg.Schema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The point-in-time join on a Flink MiniCluster against the plain reference, on an adversarial log:
 * three views (two TTLs, every aggregation function), two entities, late availability, equal
 * timestamps, labels before any event, after expiry, and 1 ms around events.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PointInTimeJoinITCase {
  @TempDir static Path dir;
  Catalog catalog;
  PointInTimeJoin join;
  EventLog log;
  final FeatureView profile = TestViews.userProfile();
  final FeatureView aggs = TestViews.userTxnAggs();
  final FeatureView risk = TestViews.merchantRisk();
  final List<Object[]> labels = new ArrayList<>(); // label_id, user_id, merchant_id, time

  @BeforeAll
  void setUp() {
    Path wh = dir.resolve("warehouse");
    catalog = OfflineCatalogs.hadoop(wh);
    join =
        new PointInTimeJoin(
            catalog,
            OfflineCatalogs.properties(
                dev.quiver.core.config.QuiverConfig.of(Map.of("offline.warehouse", wh.toString()))),
            2);
    log =
        new EventLog(42)
            .generate(profile, "u", 6, 400)
            .generate(aggs, "u", 6, 600)
            .generate(risk, "m", 4, 300);
    EventLog.write(catalog, profile, log.events, "user_id");
    EventLog.write(catalog, aggs, log.events, "user_id");
    EventLog.write(catalog, risk, log.events, "merchant_id");
    Random rnd = new Random(7);
    int id = 0;
    for (int i = 0; i < 250; i++) {
      long t = EventLog.BASE - 30 * EventLog.MIN + (long) (rnd.nextDouble() * 8 * EventLog.HOUR);
      labels.add(new Object[] {id++, "u" + rnd.nextInt(7), "m" + rnd.nextInt(5), t});
    }
    // exactly at, and 1 ms before, event times (both window/ttl edges)
    for (int i = 0; i < 60; i++) {
      EventLog.Event e = log.events.get(rnd.nextInt(log.events.size()));
      String user = e.view().equals("merchant_risk") ? "u" + rnd.nextInt(6) : e.key();
      String merchant = e.view().equals("merchant_risk") ? e.key() : "m" + rnd.nextInt(4);
      labels.add(new Object[] {id++, user, merchant, e.time()});
      labels.add(new Object[] {id++, user, merchant, e.time() - 1});
      labels.add(new Object[] {id++, user, merchant, e.ingestedAt()});
    }
    // exactly at, and 1 ms before, the ttl expiry of each key's newest event (usable at t - ttl
    // means expired: the value is live while event_time > t - ttl)
    Map<String, EventLog.Event> newest = new HashMap<>();
    for (EventLog.Event e : log.events) {
      newest.merge(e.view() + "/" + e.key(), e, (a, b) -> b.time() > a.time() ? b : a);
    }
    for (EventLog.Event e : newest.values()) {
      FeatureView v = e.view().equals("merchant_risk") ? risk : profile;
      if (e.view().equals("user_txn_aggs")) {
        continue; // window aggregations only: no ttl
      }
      String user = v == risk ? "u" + rnd.nextInt(6) : e.key();
      String merchant = v == risk ? e.key() : "m" + rnd.nextInt(4);
      long expiry = e.time() + v.ttl().toMillis();
      labels.add(new Object[] {id++, user, merchant, expiry});
      labels.add(new Object[] {id++, user, merchant, expiry - 1});
    }
  }

  static Schema labelSchema() {
    return new Schema(
        Types.NestedField.required(1, "label_id", Types.IntegerType.get()),
        Types.NestedField.optional(2, "user_id", Types.StringType.get()),
        Types.NestedField.optional(3, "merchant_id", Types.StringType.get()),
        Types.NestedField.optional(4, "ts", Types.TimestampType.withZone()),
        Types.NestedField.optional(5, "is_fraud", Types.BooleanType.get()));
  }

  Path writeLabels(String name) {
    Path f = dir.resolve(name).resolve("labels.parquet");
    List<Record> rows = new ArrayList<>();
    for (Object[] l : labels) {
      GenericRecord r = GenericRecord.create(labelSchema());
      r.setField("label_id", l[0]);
      r.setField("user_id", l[1]);
      r.setField("merchant_id", l[2]);
      r.setField("ts", OfflineWriter.timestamptz((Long) l[3]));
      r.setField("is_fraud", ((Integer) l[0]) % 3 == 0);
      rows.add(r);
    }
    TrainingSetFiles.write(labelSchema(), f, rows);
    return f;
  }

  TrainingSetRequest request(LabelSource labels, String out, boolean guard) {
    return new TrainingSetRequest(
        List.of(
            FeatureSelection.all(profile), FeatureSelection.all(aggs), FeatureSelection.all(risk)),
        labels,
        null,
        dir.resolve(out).toString(),
        guard,
        Map.of());
  }

  @Test
  void matchesTheReferenceWithAndWithoutTheGuard() {
    Path labelFile = writeLabels("labels1");
    for (boolean guard : new boolean[] {true, false}) {
      PointInTimeJoin.Result res =
          join.run(request(LabelSource.of(labelFile.toString(), "ts"), "out-" + guard, guard));
      List<Record> rows = TrainingSetFiles.read(res.dataFiles());
      assertThat(rows).hasSize(labels.size());
      assertThat(res.rows()).isEqualTo(labels.size());
      int nullProfiles = 0;
      int liveProfiles = 0;
      // each part is ordered by label time (the parts together are not)
      assertThat(res.dataFiles()).hasSize(2);
      for (Path part : res.dataFiles()) {
        long prev = Long.MIN_VALUE;
        for (Record row : TrainingSetFiles.read(part)) {
          long t = ((OffsetDateTime) row.getField("ts")).toInstant().toEpochMilli();
          assertThat(t).as(part.toString()).isGreaterThanOrEqualTo(prev);
          prev = t;
        }
      }
      for (Record row : rows) {
        int id = (Integer) row.getField("label_id");
        Object[] l = labels.get(id);
        long t = ((OffsetDateTime) row.getField("ts")).toInstant().toEpochMilli();
        assertThat(t).isEqualTo((Long) l[3]);
        assertThat(row.getField("is_fraud")).isEqualTo(id % 3 == 0);
        String where = "label " + id + " guard=" + guard;
        var p = ReferencePit.values(profile, log.events, (String) l[1], t, guard);
        PitAssert.assertRow(row, "user_profile", p, where);
        PitAssert.assertRow(
            row,
            "user_txn_aggs",
            ReferencePit.values(aggs, log.events, (String) l[1], t, guard),
            where);
        PitAssert.assertRow(
            row,
            "merchant_risk",
            ReferencePit.values(risk, log.events, (String) l[2], t, guard),
            where);
        if (p.get("last_merchant") == null) {
          nullProfiles++;
        } else {
          liveProfiles++;
        }
      }
      // the data exercises both nothing-yet/expired and live values
      assertThat(nullProfiles).isGreaterThan(10);
      assertThat(liveProfiles).isGreaterThan(10);
    }
  }

  @Test
  void retrievalWithoutLabelsAtReferenceTimes() {
    List<Instant> times = new ArrayList<>();
    for (int h = 0; h <= 7; h++) {
      times.add(Instant.ofEpochMilli(EventLog.BASE + h * EventLog.HOUR - 1));
    }
    TrainingSetRequest req =
        new TrainingSetRequest(
            List.of(FeatureSelection.all(profile), FeatureSelection.all(aggs)),
            null,
            new Spine(times),
            dir.resolve("spine").toString(),
            true,
            Map.of());
    List<long[]> updates = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<Record> rows =
        TrainingSetFiles.read(
            join.run(req, (done, total) -> updates.add(new long[] {done, total})).dataFiles());
    // every user that has an event (u0..u5) at every time; u6 has none
    assertThat(rows).hasSize(6 * times.size());
    // progress has a total, as with labels: the rows the reference times make
    assertThat(updates).isNotEmpty();
    assertThat(updates.get(updates.size() - 1)).containsExactly(rows.size(), rows.size());
    for (long[] u : updates) {
      assertThat(u[1]).as("total").isIn(-1L, (long) rows.size());
      assertThat(u[0]).as("done").isBetween(0L, (long) rows.size());
    }
    for (Record row : rows) {
      String user = (String) row.getField("user_id");
      long t = ((OffsetDateTime) row.getField("timestamp")).toInstant().toEpochMilli();
      PitAssert.assertRow(
          row,
          "user_profile",
          ReferencePit.values(profile, log.events, user, t, true),
          user + "@" + t);
      PitAssert.assertRow(
          row,
          "user_txn_aggs",
          ReferencePit.values(aggs, log.events, user, t, true),
          user + "@" + t);
    }
    assertThatThrownBy(
            () ->
                join.run(
                    new TrainingSetRequest(
                        List.of(FeatureSelection.all(profile), FeatureSelection.all(risk)),
                        null,
                        new Spine(times),
                        dir.resolve("x").toString(),
                        true,
                        Map.of())))
        .hasMessageContaining("needs features of one entity");
  }

  @Test
  void anEmptyTrainingSetIsOneEmptyPartWithItsColumns() throws Exception {
    // QA pass, session 11: Iceberg's Parquet writer creates no file for zero rows, so an export
    // without rows (reference times before every event, a label file without rows) left only
    // _manifest.json: DuckDB's read_parquet('out/part-*.parquet') found no files, Spark could not
    // infer a schema, and the columns were lost
    TrainingSetRequest before =
        new TrainingSetRequest(
            List.of(FeatureSelection.all(profile), FeatureSelection.all(aggs)),
            null,
            new Spine(List.of(Instant.ofEpochMilli(EventLog.BASE - 400 * EventLog.HOUR))),
            dir.resolve("empty-spine").toString(),
            true,
            Map.of());
    PointInTimeJoin.Result spine = join.run(before);
    assertThat(spine.rows()).isZero();
    assertThat(spine.dataFiles())
        .containsExactly(dir.resolve("empty-spine").resolve("part-00000.parquet"));
    assertThat(TrainingSetFiles.rowCount(spine.dataFiles().get(0))).isZero();
    assertThat(TrainingSetFiles.schemaOf(spine.dataFiles().get(0)).asStruct())
        .isEqualTo(
            TrainingSetPlan.resolve(before, catalog)
                .outputSchema(
                    List.of(
                        Types.NestedField.optional(1, "user_id", Types.StringType.get()),
                        Types.NestedField.optional(
                            2, SpineLabels.TIME_COLUMN, Types.TimestampType.withZone())))
                .asStruct());
    assertThat(spine.manifest().parts()).hasSize(1);
    PointInTimeJoin.Result rebuilt =
        join.rebuild(spine.manifest(), dir.resolve("empty-spine-rebuilt").toString());
    assertThat(rebuilt.manifest().outputDataChecksum())
        .isEqualTo(spine.manifest().outputDataChecksum());

    Path noLabels = dir.resolve("labels-none").resolve("labels.parquet");
    TrainingSetFiles.write(labelSchema(), noLabels, List.of());
    PointInTimeJoin.Result labelled =
        join.run(request(LabelSource.of(noLabels.toString(), "ts"), "out-none", true));
    assertThat(labelled.rows()).isZero();
    assertThat(labelled.dataFiles()).hasSize(1);
    List<String> columns =
        TrainingSetFiles.schemaOf(labelled.dataFiles().get(0)).columns().stream()
            .map(Types.NestedField::name)
            .toList();
    assertThat(columns)
        .startsWith("label_id", "user_id", "merchant_id", "ts", "is_fraud")
        .contains("user_profile__last_merchant", "merchant_risk__" + risk.features().get(0).name());
    assertThat(TrainingSetFiles.read(labelled.dataFiles())).isEmpty();
  }

  @Test
  void integerLabelTimesInAnotherUnitAreRefusedNamingTheColumn() throws Exception {
    // QA pass, session 11: int64 microseconds (or nanoseconds) were taken for epoch milliseconds
    // thousands of years ahead: every row feature expired, every window empty, no error
    Schema schema =
        new Schema(
            Types.NestedField.required(1, "label_id", Types.IntegerType.get()),
            Types.NestedField.optional(2, "user_id", Types.StringType.get()),
            Types.NestedField.optional(3, "merchant_id", Types.StringType.get()),
            Types.NestedField.optional(4, "ts", Types.LongType.get()));
    // the columnar label read, and the row read (a list column sends the file there)
    Schema withList =
        new Schema(
            java.util.stream.Stream.concat(
                    schema.columns().stream(),
                    java.util.stream.Stream.of(
                        Types.NestedField.optional(
                            5, "tags", Types.ListType.ofOptional(6, Types.StringType.get()))))
                .toList());
    for (Schema s : List.of(schema, withList)) {
      // a negative scale divides: epoch seconds, which landed in January 1970 (all features null)
      for (long scale : new long[] {-1_000L, 1_000L, 1_000_000L}) {
        Path f = dir.resolve("int-" + s.columns().size() + "-" + scale).resolve("labels.parquet");
        List<Record> in = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          Object[] l = labels.get(i);
          GenericRecord r = GenericRecord.create(s);
          r.setField("label_id", l[0]);
          r.setField("user_id", l[1]);
          r.setField("merchant_id", l[2]);
          r.setField("ts", scaled((Long) l[3], scale));
          in.add(r);
        }
        TrainingSetFiles.write(s, f, in);
        assertThatThrownBy(
                () ->
                    join.run(request(LabelSource.of(f.toString(), "ts"), "int-out-" + scale, true)))
            .as("%s columns, x%d", s.columns().size(), scale)
            .hasStackTraceContaining(
                "labels.timestamp_column: 'ts' holds " + scaled((Long) labels.get(0)[3], scale))
            .hasStackTraceContaining(
                scale < 0
                    ? "seconds? multiply by 1000"
                    : scale == 1_000L ? "microseconds?" : "nanoseconds?");
      }
    }
    // epoch milliseconds in the same column are read as before
    Path ok = dir.resolve("int-ms").resolve("labels.parquet");
    List<Record> in = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Object[] l = labels.get(i);
      GenericRecord r = GenericRecord.create(schema);
      r.setField("label_id", l[0]);
      r.setField("user_id", l[1]);
      r.setField("merchant_id", l[2]);
      r.setField("ts", l[3]);
      in.add(r);
    }
    TrainingSetFiles.write(schema, ok, in);
    assertThat(join.run(request(LabelSource.of(ok.toString(), "ts"), "int-ms-out", true)).rows())
        .isEqualTo(20);
  }

  private static long scaled(long millis, long scale) {
    return scale < 0 ? millis / -scale : millis * scale;
  }

  @Test
  void labelFilesUnderAPathWithASpace() throws Exception {
    // QA pass, session 11: "my labels/l.parquet" failed with "File file:/.../my%20labels/...
    // does not exist" (the label table registered the file by its URI, which Hadoop read literally)
    Path labelFile = writeLabels("labels1");
    Path spaced = Files.createDirectories(dir.resolve("my labels \"q\"")).resolve("l.parquet");
    Files.copy(labelFile, spaced);
    PointInTimeJoin.Result res =
        join.run(request(LabelSource.of(spaced.toString(), "ts"), "out-spaced", true));
    assertThat(res.rows()).isEqualTo(labels.size());
  }

  @Test
  void aFailedExportLeavesNoParts() throws Exception {
    Path labelFile = writeLabels("labels-failed");
    Path out = dir.resolve("out-failed");
    // the manifest cannot be written (a non-empty directory is in its place): the job itself has
    // written its parts by then, and the export fails after them
    Files.createDirectories(out.resolve(TrainingSetManifest.FILE).resolve("blocker"));
    assertThatThrownBy(
            () -> join.run(request(LabelSource.of(labelFile.toString(), "ts"), "out-failed", true)))
        .hasMessageContaining(TrainingSetManifest.FILE);
    assertThat(TrainingSetFiles.parts(out)).isEmpty();
    // the same output works once the obstacle is gone
    Files.delete(out.resolve(TrainingSetManifest.FILE).resolve("blocker"));
    Files.delete(out.resolve(TrainingSetManifest.FILE));
    PointInTimeJoin.Result res =
        join.run(request(LabelSource.of(labelFile.toString(), "ts"), "out-failed", true));
    assertThat(res.dataFiles()).hasSize(2);
    assertThat(res.rows()).isEqualTo(labels.size());
  }

  @Test
  void csvLabelsAndClearErrors() throws Exception {
    Path csv = dir.resolve("labels.csv");
    StringBuilder sb = new StringBuilder("user_id,merchant_id,ts\n");
    for (int i = 0; i < 40; i++) {
      Object[] l = labels.get(i);
      sb.append(l[1])
          .append(',')
          .append(l[2])
          .append(',')
          .append(Instant.ofEpochMilli((Long) l[3]))
          .append('\n');
    }
    Files.writeString(csv, sb.toString());
    List<Record> rows =
        TrainingSetFiles.read(
            join.run(request(LabelSource.of(csv.toString(), "ts"), "csv-out", true)).dataFiles());
    assertThat(rows).hasSize(40);
    for (Record row : rows) {
      long t = ((OffsetDateTime) row.getField("ts")).toInstant().toEpochMilli();
      PitAssert.assertRow(
          row,
          "merchant_risk",
          ReferencePit.values(risk, log.events, (String) row.getField("merchant_id"), t, true),
          "csv");
    }
    Files.writeString(dir.resolve("bad.csv"), "user_id,merchant_id,when\nu1,m1,2024-05-01\n");
    assertThatThrownBy(
            () ->
                join.run(
                    request(LabelSource.of(dir.resolve("bad.csv").toString(), "ts"), "b", true)))
        .hasMessageContaining("labels.timestamp_column: 'ts' is not a column")
        .hasMessageContaining("user_id, merchant_id, when");
    // a label file that is not Parquet (nor named .csv), and a table that does not exist: the
    // error names labels and the forms it takes (it was the Parquet reader's
    // 'LocalInputFile@6297aed6 is not a Parquet file', and Iceberg's NoSuchTableException)
    Path text = dir.resolve("labels.txt");
    Files.writeString(text, "user_id,merchant_id,ts\n");
    assertThatThrownBy(() -> join.run(request(LabelSource.of(text.toString(), "ts"), "txt", true)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "labels: '"
                + text
                + "' is not a readable Parquet file; expected Parquet files (a file, or a folder"
                + " of *.parquet), a CSV file named *.csv, or an Iceberg table ns.table");
    assertThatThrownBy(() -> join.run(request(LabelSource.of("my_labels", "ts"), "nolabels", true)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "labels: Iceberg table 'my_labels' does not exist in the offline catalog (expected: a"
                + " table ns.table; a local file or folder needs a '/' or a .parquet/.csv name,"
                + " e.g. ./my_labels)");
  }

  /**
   * CSV labels as spreadsheets, pandas and R write them: a byte order mark, CRLF line ends, every
   * field quoted, a label value holding a comma, doubled quotes and a line break, and a row whose
   * time is blank. Before, the header's quotes and the BOM became part of the column names (the
   * time and key columns were "not a column"), a quoted comma split a value, and a blank time
   * failed the whole job with the tiling's internal range message.
   */
  @Test
  void csvLabelsWithQuotesBomCrlfAndABlankTime() throws Exception {
    Path csv = dir.resolve("quoted").resolve("labels.csv");
    Files.createDirectories(csv.getParent());
    String note = "a, \"b\"\nc";
    StringBuilder sb =
        new StringBuilder("\uFEFF\"label_id\",\"user_id\",\"merchant_id\",\"ts\",\"note\"\r\n");
    for (int i = 40; i < 60; i++) {
      Object[] l = labels.get(i);
      sb.append('"').append(l[0]).append("\",\"").append(l[1]).append("\",\"").append(l[2]);
      sb.append("\",\"").append(Instant.ofEpochMilli((Long) l[3])).append("\",\"");
      sb.append(note.replace("\"", "\"\"")).append("\"\r\n");
    }
    sb.append("\"999\",\"u1\",\"m1\",\"\",\"no time\"\r\n");
    Files.writeString(csv, sb.toString());
    List<Record> rows =
        TrainingSetFiles.read(
            join.run(request(LabelSource.of(csv.toString(), "ts"), "csv-quoted", true))
                .dataFiles());
    assertThat(rows).hasSize(21);
    int timed = 0;
    for (Record row : rows) {
      String user = (String) row.getField("user_id");
      String merchant = (String) row.getField("merchant_id");
      OffsetDateTime ts = (OffsetDateTime) row.getField("ts");
      if (row.getField("label_id").equals("999")) {
        assertThat(ts).isNull();
        assertThat(row.getField("note")).isEqualTo("no time");
        // no event is older than "no time": nothing yet, empty windows
        for (FeatureView v : List.of(profile, aggs, risk)) {
          String key = v == risk ? merchant : user;
          PitAssert.assertRow(
              row, v.name(), ReferencePit.values(v, log.events, key, Long.MIN_VALUE, true), "999");
        }
        continue;
      }
      timed++;
      assertThat(row.getField("note")).isEqualTo(note);
      long t = ts.toInstant().toEpochMilli();
      Object[] l = labels.get(Integer.parseInt((String) row.getField("label_id")));
      assertThat(List.of(user, merchant, t)).isEqualTo(List.of(l[1], l[2], l[3]));
      PitAssert.assertRow(
          row, "user_profile", ReferencePit.values(profile, log.events, user, t, true), "csv");
      PitAssert.assertRow(
          row, "user_txn_aggs", ReferencePit.values(aggs, log.events, user, t, true), "csv");
      PitAssert.assertRow(
          row, "merchant_risk", ReferencePit.values(risk, log.events, merchant, t, true), "csv");
    }
    assertThat(timed).isEqualTo(20);
  }

  /**
   * Parquet labels as pandas writes them: naive datetimes are zone-less timestamps (here the time
   * column and another label column) and a date column. Before, each failed the export with a
   * ClassCastException in the part writer (OffsetDateTime to LocalDateTime, Integer to LocalDate);
   * a string time column failed with one in the label reader.
   */
  @Test
  void parquetLabelsWithZonelessTimestampsAndDates() throws Exception {
    Schema schema =
        new Schema(
            Types.NestedField.required(1, "label_id", Types.IntegerType.get()),
            Types.NestedField.optional(2, "user_id", Types.StringType.get()),
            Types.NestedField.optional(3, "merchant_id", Types.StringType.get()),
            Types.NestedField.optional(4, "ts", Types.TimestampType.withoutZone()),
            Types.NestedField.optional(5, "day", Types.DateType.get()),
            Types.NestedField.optional(6, "seen_at", Types.TimestampType.withoutZone()));
    Path f = dir.resolve("naive").resolve("labels.parquet");
    List<Record> in = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      Object[] l = labels.get(i);
      LocalDateTime wall =
          LocalDateTime.ofInstant(Instant.ofEpochMilli((Long) l[3]), ZoneOffset.UTC);
      GenericRecord r = GenericRecord.create(schema);
      r.setField("label_id", l[0]);
      r.setField("user_id", l[1]);
      r.setField("merchant_id", l[2]);
      r.setField("ts", wall);
      r.setField("day", wall.toLocalDate());
      r.setField("seen_at", wall.minusHours(1));
      in.add(r);
    }
    TrainingSetFiles.write(schema, f, in);
    List<Record> rows =
        TrainingSetFiles.read(
            join.run(request(LabelSource.of(f.toString(), "ts"), "naive-out", true)).dataFiles());
    assertThat(rows).hasSize(40);
    for (Record row : rows) {
      Object[] l = labels.get((Integer) row.getField("label_id"));
      long t = (Long) l[3];
      LocalDateTime wall = LocalDateTime.ofInstant(Instant.ofEpochMilli(t), ZoneOffset.UTC);
      assertThat(row.getField("ts")).isEqualTo(wall);
      assertThat(row.getField("day")).isEqualTo(wall.toLocalDate());
      assertThat(row.getField("seen_at")).isEqualTo(wall.minusHours(1));
      String user = (String) row.getField("user_id");
      String merchant = (String) row.getField("merchant_id");
      PitAssert.assertRow(
          row, "user_profile", ReferencePit.values(profile, log.events, user, t, true), "naive");
      PitAssert.assertRow(
          row, "merchant_risk", ReferencePit.values(risk, log.events, merchant, t, true), "naive");
    }

    Schema textTime =
        new Schema(
            Types.NestedField.optional(1, "user_id", Types.StringType.get()),
            Types.NestedField.optional(2, "merchant_id", Types.StringType.get()),
            Types.NestedField.optional(3, "ts", Types.StringType.get()));
    Path g = dir.resolve("texttime").resolve("labels.parquet");
    GenericRecord r = GenericRecord.create(textTime);
    r.setField("user_id", "u1");
    r.setField("merchant_id", "m1");
    r.setField("ts", "2024-05-01T00:00:00Z");
    TrainingSetFiles.write(textTime, g, List.of(r));
    assertThatThrownBy(
            () -> join.run(request(LabelSource.of(g.toString(), "ts"), "texttime-out", true)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "labels.timestamp_column: 'ts' of "
                + g
                + " is a string column (expected: a timestamp, or epoch milliseconds as int64;"
                + " convert it, e.g. pandas.to_datetime(df['ts'], utc=True))");
  }

  /**
   * Parquet label times in every physical form writers give them, read as the same instants: {@code
   * TIMESTAMP} in milliseconds, microseconds and nanoseconds, adjusted to UTC or not (a zone-less
   * time is UTC), by the columnar label read and by the row read (a list column sends the file
   * there). Spark's legacy {@code INT96}, which Iceberg's Flink reader does not read, is refused
   * naming the column, the file and the fix (before: the job failed with "Unsupported type:
   * optional int96 ts = 4").
   */
  @Test
  void parquetLabelTimesOfEveryTimestampTypeGiveTheSameRows() throws Exception {
    String[] types = {
      "int64 ts (TIMESTAMP(MILLIS,true))",
      "int64 ts (TIMESTAMP(MILLIS,false))",
      "int64 ts (TIMESTAMP(MICROS,true))",
      "int64 ts (TIMESTAMP(MICROS,false))",
      "int64 ts (TIMESTAMP(NANOS,true))",
      "int64 ts (TIMESTAMP(NANOS,false))",
      "int96 ts"
    };
    int n = 60;
    for (boolean list : new boolean[] {false, true}) {
      for (String type : types) {
        String name = "ts-" + type.replaceAll("[^A-Za-z0-9]+", "-") + (list ? "-list" : "");
        Path file = Files.createDirectories(dir.resolve(name)).resolve("labels.parquet");
        var message =
            org.apache.iceberg.shaded.org.apache.parquet.schema.MessageTypeParser.parseMessageType(
                "message schema { required int32 label_id; optional binary user_id (STRING);"
                    + " optional binary merchant_id (STRING); optional "
                    + type
                    + ";"
                    + (list
                        ? " optional group tags (LIST) { repeated group list {"
                            + " optional binary element (STRING); } }"
                        : "")
                    + " }");
        var groups =
            new org.apache.iceberg.shaded.org.apache.parquet.example.data.simple.SimpleGroupFactory(
                message);
        try (var w =
            org.apache.iceberg.shaded.org.apache.parquet.hadoop.example.ExampleParquetWriter
                .builder(new org.apache.iceberg.shaded.org.apache.parquet.io.LocalOutputFile(file))
                .withType(message)
                .withConf(new org.apache.hadoop.conf.Configuration())
                .build()) {
          for (int i = 0; i < n; i++) {
            Object[] l = labels.get(i);
            long ms = (Long) l[3];
            var g = groups.newGroup();
            g.add("label_id", (Integer) l[0]);
            g.add("user_id", (String) l[1]);
            g.add("merchant_id", (String) l[2]);
            if (type.startsWith("int96")) {
              long day = Math.floorDiv(ms, 86_400_000L);
              long nanosOfDay = Math.floorMod(ms, 86_400_000L) * 1_000_000L;
              byte[] b =
                  java.nio.ByteBuffer.allocate(12)
                      .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                      .putLong(nanosOfDay)
                      .putInt((int) (day + 2_440_588L))
                      .array();
              g.add(
                  "ts",
                  org.apache.iceberg.shaded.org.apache.parquet.io.api.Binary.fromConstantByteArray(
                      b));
            } else {
              long scale =
                  type.contains("NANOS") ? 1_000_000L : type.contains("MICROS") ? 1_000L : 1;
              g.add("ts", ms * scale);
            }
            if (list) {
              g.addGroup("tags").addGroup("list").append("element", "t" + i);
            }
            w.write(g);
          }
        }
        TrainingSetRequest req =
            request(LabelSource.of(file.toString(), "ts"), name + "-out", true);
        if (type.startsWith("int96")) {
          String refusal = "labels: column 'ts' of '" + file + "' is INT96, the legacy Parquet";
          assertThatThrownBy(() -> join.run(req))
              .isInstanceOf(IllegalArgumentException.class)
              .hasMessageStartingWith(refusal)
              .hasMessageContaining("spark.sql.parquet.outputTimestampType = TIMESTAMP_MICROS");
          assertThatThrownBy(() -> LabelTables.checkColumns(req.labels(), catalog, req.features()))
              .hasMessageStartingWith(refusal);
          continue;
        }
        List<Record> rows = TrainingSetFiles.read(join.run(req).dataFiles());
        assertThat(rows).as(name).hasSize(n);
        for (Record row : rows) {
          Object[] l = labels.get((Integer) row.getField("label_id"));
          long t = (Long) l[3];
          Object ts = row.getField("ts");
          long read =
              ts instanceof OffsetDateTime o
                  ? o.toInstant().toEpochMilli()
                  : ((LocalDateTime) ts).toInstant(ZoneOffset.UTC).toEpochMilli();
          assertThat(read).as(name + " label " + l[0]).isEqualTo(t);
          PitAssert.assertRow(
              row,
              "user_profile",
              ReferencePit.values(profile, log.events, (String) l[1], t, true),
              name);
          PitAssert.assertRow(
              row,
              "merchant_risk",
              ReferencePit.values(risk, log.events, (String) l[2], t, true),
              name);
        }
      }
    }
  }

  /**
   * A label column of a type the training set cannot carry (a decimal, a time of day, a struct) is
   * refused before the job runs, naming the column and the fix (QA pass, session 12: the job failed
   * with "column type decimal(10, 2) is not supported in training sets", naming no column).
   */
  @Test
  void labelColumnsOfATypeATrainingSetCannotCarryAreRefusedNamingThem() throws Exception {
    Types.NestedField user = Types.NestedField.optional(1, "user_id", Types.StringType.get());
    Types.NestedField merchant =
        Types.NestedField.optional(2, "merchant_id", Types.StringType.get());
    Types.NestedField ts = Types.NestedField.optional(3, "ts", Types.TimestampType.withZone());
    Map<Types.NestedField, Object> cases = new LinkedHashMap<>();
    cases.put(
        Types.NestedField.optional(4, "amount", Types.DecimalType.of(10, 2)),
        new java.math.BigDecimal("1.25"));
    cases.put(
        Types.NestedField.optional(4, "opens_at", Types.TimeType.get()),
        java.time.LocalTime.of(9, 30));
    Types.StructType point =
        Types.StructType.of(Types.NestedField.optional(5, "x", Types.LongType.get()));
    GenericRecord p = GenericRecord.create(point);
    p.setField("x", 1L);
    cases.put(Types.NestedField.optional(4, "where", point), p);
    for (Map.Entry<Types.NestedField, Object> c : cases.entrySet()) {
      Schema schema = new Schema(user, merchant, ts, c.getKey());
      Path f = dir.resolve("typed-" + c.getKey().name()).resolve("labels.parquet");
      GenericRecord r = GenericRecord.create(schema);
      r.setField("user_id", "u1");
      r.setField("merchant_id", "m1");
      r.setField("ts", OfflineWriter.timestamptz((Long) labels.get(0)[3]));
      r.setField(c.getKey().name(), c.getValue());
      TrainingSetFiles.write(schema, f, List.of(r));
      assertThatThrownBy(
              () ->
                  join.run(
                      request(
                          LabelSource.of(f.toString(), "ts"), "typed-" + c.getKey().name(), true)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(
              "labels: column '"
                  + c.getKey().name()
                  + "' is "
                  + c.getKey().type()
                  + ", a type a training set cannot carry")
          .hasMessageContaining("cast it in the label file");
    }
  }

  /**
   * A label column named like a feature's output column is refused naming both (QA pass, session
   * 12: the job failed with Iceberg's "Invalid schema: multiple fields for name ...").
   */
  @Test
  void aLabelColumnNamedLikeAFeatureColumnIsRefused() throws Exception {
    Schema schema =
        new Schema(
            Types.NestedField.optional(1, "user_id", Types.StringType.get()),
            Types.NestedField.optional(2, "merchant_id", Types.StringType.get()),
            Types.NestedField.optional(3, "ts", Types.TimestampType.withZone()),
            Types.NestedField.optional(4, "user_profile__last_amount", Types.DoubleType.get()));
    Path f = dir.resolve("clash").resolve("labels.parquet");
    GenericRecord r = GenericRecord.create(schema);
    r.setField("user_id", "u1");
    r.setField("merchant_id", "m1");
    r.setField("ts", OfflineWriter.timestamptz((Long) labels.get(0)[3]));
    r.setField("user_profile__last_amount", 1.0);
    TrainingSetFiles.write(schema, f, List.of(r));
    assertThatThrownBy(() -> join.run(request(LabelSource.of(f.toString(), "ts"), "clash", true)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "labels: column 'user_profile__last_amount' has the name of the output column of"
                + " feature default.user_profile:v1.last_amount")
        .hasMessageContaining("rename it in the label file");
  }

  /**
   * Before: a float64 join-key column (what pandas makes of an integer key column with a missing
   * value) joined as the text "1.0", never equal to the entity key 1: every feature of every row
   * was null, without an error. It is refused naming the column and the cast; integer keys of
   * either width still join an INT64 entity key.
   */
  @Test
  void aFloatingPointJoinKeyColumnIsRefusedNamingTheCast() throws Exception {
    Path wh = dir.resolve("warehouse-int-keys");
    Catalog intCatalog = OfflineCatalogs.hadoop(wh);
    PointInTimeJoin intJoin =
        new PointInTimeJoin(
            intCatalog,
            OfflineCatalogs.properties(
                dev.quiver.core.config.QuiverConfig.of(Map.of("offline.warehouse", wh.toString()))),
            2);
    List<dev.quiver.core.spec.JoinKey> keys =
        List.of(
            new dev.quiver.core.spec.JoinKey("user_id", dev.quiver.core.spec.FeatureType.INT64));
    OfflineWriter w = new OfflineWriter(OfflineTables.ensureTable(intCatalog, profile, keys));
    for (long k = 1; k <= 3; k++) {
      Map<String, Object> row = new java.util.HashMap<>();
      row.put("user_id", k);
      row.put("last_amount", 10.0 * k);
      row.put("last_merchant", "m" + k);
      row.put(OfflineTables.EVENT_TIME, EventLog.BASE + k * EventLog.MIN);
      row.put(OfflineTables.SEQ, k);
      row.put(OfflineTables.INGESTED_AT, EventLog.BASE + k * EventLog.MIN);
      w.add(w.record(row));
    }
    w.commit(Map.of());
    FeatureSelection sel = new FeatureSelection(profile, List.of(), keys);
    for (Types.NestedField key :
        List.of(
            Types.NestedField.optional(1, "user_id", Types.IntegerType.get()),
            Types.NestedField.optional(1, "user_id", Types.LongType.get()),
            Types.NestedField.optional(1, "user_id", Types.DoubleType.get()))) {
      Schema schema =
          new Schema(key, Types.NestedField.optional(2, "ts", Types.TimestampType.withZone()));
      List<Record> rows = new ArrayList<>();
      for (int k = 1; k <= 3; k++) {
        GenericRecord r = GenericRecord.create(schema);
        r.setField(
            "user_id",
            switch (key.type().typeId()) {
              case INTEGER -> (Object) k;
              case LONG -> (Object) (long) k;
              default -> (Object) (double) k;
            });
        r.setField("ts", OfflineWriter.timestamptz(EventLog.BASE + EventLog.HOUR));
        rows.add(r);
      }
      rows.add(GenericRecord.create(schema)); // a missing key
      Path f = dir.resolve("keys-" + key.type()).resolve("labels.parquet");
      TrainingSetFiles.write(schema, f, rows);
      TrainingSetRequest req =
          new TrainingSetRequest(
              List.of(sel),
              LabelSource.of(f.toString(), "ts"),
              null,
              dir.resolve("keys-out-" + key.type()).toString(),
              true,
              Map.of());
      if (key.type().typeId() == org.apache.iceberg.types.Type.TypeID.DOUBLE) {
        String expected =
            "labels: join key 'user_id' of "
                + f
                + " is double (expected: strings or integers, as the key of view"
                + " default.user_profile:v1 is INT64: a double value never equals one";
        // when submitted, and in the job
        assertThatThrownBy(() -> LabelTables.checkColumns(req.labels(), intCatalog, req.features()))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith(expected)
            .hasMessageContaining("df['user_id'].astype('Int64')");
        assertThatThrownBy(() -> intJoin.run(req))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith(expected);
        continue;
      }
      LabelTables.checkColumns(req.labels(), intCatalog, req.features());
      List<Record> out = TrainingSetFiles.read(intJoin.run(req).dataFiles());
      assertThat(out).hasSize(4);
      assertThat(out)
          .filteredOn(r -> r.getField("user_id") != null)
          .allSatisfy(
              r ->
                  assertThat(r.getField("user_profile__last_amount"))
                      .isEqualTo(10.0 * ((Number) r.getField("user_id")).longValue()));
    }
  }
}
