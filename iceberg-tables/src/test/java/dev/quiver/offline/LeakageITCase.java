package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leakage: an event 1 ms after the label time never appears; a value a backfill wrote after the
 * label time (old event_time, late _ingested_at) never appears with the availability guard on; an
 * availability delay hides events younger than the delay, inclusive at the edge.
 */
class LeakageITCase {
  @TempDir Path dir;
  static final long T = EventLog.BASE + 10 * EventLog.HOUR;

  @Test
  void noFutureValueEverReachesATrainingRow() {
    Path wh = dir.resolve("wh");
    QuiverConfig config = QuiverConfig.of(Map.of("offline.warehouse", wh.toString()));
    Catalog catalog = OfflineCatalogs.open(config);
    PointInTimeJoin join = new PointInTimeJoin(catalog, OfflineCatalogs.properties(config), 2);
    FeatureView view =
        FeatureView.builder("balance")
            .entities(List.of("user"))
            .ttl(Duration.ofHours(1))
            .features(
                List.of(
                    Feature.row("amount", FeatureType.FLOAT64),
                    TestViews.agg(
                        "n_1h",
                        "*",
                        AggregationFunction.COUNT,
                        Duration.ofHours(1),
                        FeatureType.INT64)))
            .build();
    FeatureView delayed =
        FeatureView.builder("delayed")
            .entities(List.of("user"))
            .ttl(Duration.ofHours(1))
            .availabilityDelay(Duration.ofMinutes(5))
            .features(List.of(Feature.row("score", FeatureType.FLOAT64)))
            .build();
    Table t = OfflineTables.ensureTable(catalog, view);
    write(t, "u1", T - 20 * EventLog.MIN, 1, T - 20 * EventLog.MIN + 10, "amount", 1.0);
    write(t, "u1", T + 1, 2, T + 5, "amount", 2.0); // 1 ms after the label
    // the backfill: an old event time, written after the label time
    write(t, "u1", T - 10 * EventLog.MIN, 3, T + EventLog.HOUR, "amount", 3.0);
    Table d = OfflineTables.ensureTable(catalog, delayed);
    write(d, "u1", T - 5 * EventLog.MIN, 1, T - 5 * EventLog.MIN, "score", 0.5); // exactly at delay
    write(d, "u1", T - 5 * EventLog.MIN + 1, 2, T - 5 * EventLog.MIN + 1, "score", 0.9);

    Path labels = dir.resolve("labels.parquet");
    var schema = PointInTimeJoinITCase.labelSchema();
    List<Record> rows = new ArrayList<>();
    GenericRecord r = GenericRecord.create(schema);
    r.setField("label_id", 0);
    r.setField("user_id", "u1");
    r.setField("ts", OfflineWriter.timestamptz(T));
    rows.add(r);
    TrainingSetFiles.write(schema, labels, rows);

    Map<Boolean, Record> out = new HashMap<>();
    for (boolean guard : new boolean[] {true, false}) {
      out.put(
          guard,
          TrainingSetFiles.read(
                  join.run(
                          new TrainingSetRequest(
                              List.of(FeatureSelection.all(view), FeatureSelection.all(delayed)),
                              LabelSource.of(labels.toString(), "ts"),
                              null,
                              dir.resolve("out-" + guard).toString(),
                              guard,
                              Map.of()))
                      .dataFiles())
              .get(0));
    }
    Record guarded = out.get(true);
    assertThat(guarded.getField("balance__amount")).isEqualTo(1.0);
    assertThat(guarded.getField("balance__n_1h")).isEqualTo(1L);
    assertThat(guarded.getField("delayed__score")).isEqualTo(0.5);
    // without the guard the late-written backfill value leaks in (feast #6617), the +1 ms never
    Record unguarded = out.get(false);
    assertThat(unguarded.getField("balance__amount")).isEqualTo(3.0);
    assertThat(unguarded.getField("balance__n_1h")).isEqualTo(2L);
  }

  /**
   * A label row without a time, of a view with an availability delay, without the guard: its cutoff
   * {@code t - delay} overflowed from the null time's {@code Long.MIN_VALUE} to a time after every
   * event, so it took in every event of its key, the future ones too, and every later label row of
   * that key was given the newest value and a window holding them.
   */
  @Test
  void aLabelWithoutATimeLetsNoFutureEventIntoTheRowsAfterIt() {
    Path wh = dir.resolve("wh-null-time");
    QuiverConfig config = QuiverConfig.of(Map.of("offline.warehouse", wh.toString()));
    Catalog catalog = OfflineCatalogs.open(config);
    PointInTimeJoin join = new PointInTimeJoin(catalog, OfflineCatalogs.properties(config), 2);
    FeatureView delayed =
        FeatureView.builder("delayed")
            .entities(List.of("user"))
            .ttl(Duration.ofDays(1))
            .availabilityDelay(Duration.ofMinutes(5))
            .features(
                List.of(
                    Feature.row("score", FeatureType.FLOAT64),
                    TestViews.agg(
                        "n_1d",
                        "*",
                        AggregationFunction.COUNT,
                        Duration.ofDays(1),
                        FeatureType.INT64)))
            .build();
    Table d = OfflineTables.ensureTable(catalog, delayed);
    write(d, "u1", T - 30 * EventLog.MIN, 1, T - 30 * EventLog.MIN, "score", 0.1);
    write(d, "u1", T + EventLog.HOUR, 2, T + EventLog.HOUR, "score", 0.9); // the future
    Path labels = dir.resolve("labels-null-time.parquet");
    var schema = PointInTimeJoinITCase.labelSchema();
    List<Record> rows = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      GenericRecord r = GenericRecord.create(schema);
      r.setField("label_id", i);
      r.setField("user_id", "u1");
      r.setField("ts", i == 0 ? null : OfflineWriter.timestamptz(T));
      rows.add(r);
    }
    TrainingSetFiles.write(schema, labels, rows);
    for (boolean guard : new boolean[] {false, true}) {
      Map<Integer, Record> byId = new HashMap<>();
      for (Record row :
          TrainingSetFiles.read(
              join.run(
                      new TrainingSetRequest(
                          List.of(FeatureSelection.all(delayed)),
                          LabelSource.of(labels.toString(), "ts"),
                          null,
                          dir.resolve("out-null-time-" + guard).toString(),
                          guard,
                          Map.of()))
                  .dataFiles())) {
        byId.put((Integer) row.getField("label_id"), row);
      }
      assertThat(byId.get(0).getField("delayed__score")).as("no time, guard %s", guard).isNull();
      assertThat(byId.get(0).getField("delayed__n_1d"))
          .as("no time, guard %s", guard)
          .isEqualTo(0L);
      assertThat(byId.get(1).getField("delayed__score")).as("at T, guard %s", guard).isEqualTo(0.1);
      assertThat(byId.get(1).getField("delayed__n_1d")).as("at T, guard %s", guard).isEqualTo(1L);
    }
  }

  /**
   * History backfilled into a view's table after the label times (every row's {@code _ingested_at}
   * after them) is held back by the guard in every row: right, but every feature of the view was
   * null without a word (found exporting right after `quiver backfill` of 2024 history). The export
   * now warns, naming the table, the times and the option; not without the guard, nor for a view
   * with a row written in time.
   */
  @Test
  void aViewTheGuardHoldsBackInEveryRowIsWarnedAbout() {
    Path wh = dir.resolve("wh-backfilled");
    QuiverConfig config = QuiverConfig.of(Map.of("offline.warehouse", wh.toString()));
    Catalog catalog = OfflineCatalogs.open(config);
    PointInTimeJoin join = new PointInTimeJoin(catalog, OfflineCatalogs.properties(config), 2);
    FeatureView backfilled =
        FeatureView.builder("backfilled")
            .entities(List.of("user"))
            .ttl(Duration.ofHours(1))
            .features(List.of(Feature.row("amount", FeatureType.FLOAT64)))
            .build();
    FeatureView live =
        FeatureView.builder("live")
            .entities(List.of("user"))
            .ttl(Duration.ofHours(1))
            .features(List.of(Feature.row("score", FeatureType.FLOAT64)))
            .build();
    long later = T + 24 * EventLog.HOUR;
    Table b = OfflineTables.ensureTable(catalog, backfilled);
    write(b, "u1", T - 20 * EventLog.MIN, 1, later, "amount", 1.0);
    write(b, "u1", T - 10 * EventLog.MIN, 2, later + 5, "amount", 2.0);
    Table l = OfflineTables.ensureTable(catalog, live);
    write(l, "u1", T - 10 * EventLog.MIN, 1, T - 10 * EventLog.MIN, "score", 0.5);
    write(l, "u1", T - 5 * EventLog.MIN, 2, later, "score", 0.9);

    Path labels = dir.resolve("labels-backfilled.parquet");
    var schema = PointInTimeJoinITCase.labelSchema();
    List<Record> rows = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      GenericRecord r = GenericRecord.create(schema);
      r.setField("label_id", i);
      r.setField("user_id", "u1");
      r.setField("ts", OfflineWriter.timestamptz(T - i * EventLog.MIN));
      rows.add(r);
    }
    TrainingSetFiles.write(schema, labels, rows);
    String expected =
        "availability guard: every row of default.backfilled_v1 (view "
            + backfilled.qualifiedName()
            + ":v1) was written at or after "
            + java.time.Instant.ofEpochMilli(later)
            + ", after the newest label time "
            + java.time.Instant.ofEpochMilli(T)
            + ", so its features are null (windows empty) in every row";
    for (boolean guard : new boolean[] {true, false}) {
      PointInTimeJoin.Result res =
          join.run(
              new TrainingSetRequest(
                  List.of(FeatureSelection.all(backfilled), FeatureSelection.all(live)),
                  LabelSource.of(labels.toString(), "ts"),
                  null,
                  dir.resolve("backfilled-" + guard).toString(),
                  guard,
                  Map.of()));
      List<Record> out = TrainingSetFiles.read(res.dataFiles());
      assertThat(out).hasSize(3);
      if (guard) {
        assertThat(out).allSatisfy(r -> assertThat(r.getField("backfilled__amount")).isNull());
        assertThat(out).allSatisfy(r -> assertThat(r.getField("live__score")).isEqualTo(0.5));
        assertThat(res.warnings())
            .singleElement()
            .asString()
            .startsWith(expected)
            .contains("--no-availability-guard");
      } else {
        assertThat(out).allSatisfy(r -> assertThat(r.getField("backfilled__amount")).isNotNull());
        assertThat(res.warnings()).isEmpty();
      }
    }
    // retrieval without labels: the newest reference time
    PointInTimeJoin.Result spine =
        join.run(
            new TrainingSetRequest(
                List.of(FeatureSelection.all(backfilled)),
                null,
                new Spine(List.of(java.time.Instant.ofEpochMilli(T))),
                dir.resolve("backfilled-spine").toString(),
                true,
                Map.of()));
    assertThat(spine.warnings()).singleElement().asString().startsWith(expected);
  }

  private static void write(
      Table t, String user, long time, long seq, long ingested, String col, double v) {
    OfflineWriter w = new OfflineWriter(t);
    Map<String, Object> row = new HashMap<>();
    row.put("user_id", user);
    row.put("event_time", time);
    row.put("_seq", seq);
    row.put("_ingested_at", ingested);
    row.put(col, v);
    w.add(w.record(row));
    w.commit(Map.of());
  }
}
