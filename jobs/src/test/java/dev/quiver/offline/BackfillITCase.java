package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.SourceField;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backfill from raw Parquet history on a Flink MiniCluster into a tagged Iceberg snapshot: the
 * dry run's counts, the tag, {@code _ingested_at} and the availability guard. (That its rows equal
 * the streaming job's is {@code BackfillMatchesStreamingITCase}.)
 */
class BackfillITCase {
  @TempDir Path dir;

  static final Schema RAW =
      new Schema(
          Types.NestedField.optional(1, "txn_id", Types.StringType.get()),
          Types.NestedField.optional(2, "user_id", Types.StringType.get()),
          Types.NestedField.optional(3, "amount", Types.DoubleType.get()),
          Types.NestedField.optional(4, "merchant", Types.StringType.get()),
          Types.NestedField.optional(5, "ts", Types.TimestampType.withZone()),
          Types.NestedField.optional(6, "offset", Types.LongType.get()));

  /** The view over the Parquet history in {@code raw}'s folder. */
  static FeatureView view(Path raw) {
    Source source =
        new Source(
            "default",
            "txns_history",
            "parquet",
            List.of(
                new SourceField("txn_id", FeatureType.STRING),
                new SourceField("user_id", FeatureType.STRING),
                new SourceField("amount", FeatureType.FLOAT64),
                new SourceField("merchant", FeatureType.STRING),
                new SourceField("ts", FeatureType.TIMESTAMP)),
            "ts",
            "txn_id",
            Duration.ZERO,
            Map.of("path", raw.getParent().toString()));
    return FeatureView.builder("user_txn")
        .entities(List.of("user"))
        .source(source)
        .features(
            List.of(
                new Feature("last_amount", FeatureType.FLOAT64, "", "amount * 1", null, Map.of()),
                TestViews.agg(
                    "amount_sum_1h",
                    "amount",
                    AggregationFunction.SUM,
                    Duration.ofHours(1),
                    FeatureType.FLOAT64)))
        .build();
  }

  /**
   * History before 1973-03-03 (OfflineTimes.MIN_PLAUSIBLE_MILLIS) is skipped and counted, as the
   * streaming job dead-letters such event times: before 1970 the first one threw 'ts: -300000
   * (expected: >= 0 epoch millis)' in the online sink and the backfill failed (session 13 QA pass);
   * from 1970 to 1973, a table source's rows went in, offline and online, where the streaming job
   * and a Kafka range's backfill refuse them (session 19).
   */
  @Test
  void historyBefore1973IsSkippedOnlineAndOffline() throws Exception {
    Path raw = dir.resolve("raw-1969").resolve("events.parquet");
    List<Record> events = new ArrayList<>();
    long plausible = dev.quiver.core.offline.OfflineTimes.MIN_PLAUSIBLE_MILLIS;
    List<Long> times = new ArrayList<>();
    for (int i = -5; i < 5; i++) {
      times.add(i * 60_000L); // 1969-12-31T23:55Z to 1970-01-01T00:04Z
      times.add(plausible - 1 - (i + 5) * 60_000L); // up to 1973-03-03T09:46:39.999Z
      times.add(plausible + (i + 5) * 60_000L); // from 1973-03-03T09:46:40Z on
    }
    for (int i = 0; i < times.size(); i++) {
      GenericRecord r = GenericRecord.create(RAW);
      r.setField("txn_id", "t" + i);
      r.setField("user_id", "u1");
      r.setField("amount", 1.0);
      r.setField("merchant", "m1");
      r.setField("ts", OfflineWriter.timestamptz(times.get(i)));
      r.setField("offset", (long) i);
      events.add(r);
    }
    long expected = times.stream().filter(t -> t >= plausible).count();
    TrainingSetFiles.write(RAW, raw, events);
    QuiverConfig config =
        QuiverConfig.of(
            Map.of(
                "offline.warehouse", dir.resolve("wh-1969").toString(),
                "online.type", "embedded",
                "online.embedded.path", dir.resolve("online-1969").toString()));
    Catalog catalog = OfflineCatalogs.open(config);
    FeatureView view = view(raw);
    Instant from = Instant.parse("1969-01-01T00:00:00Z");
    Instant to = Instant.parse("1974-01-01T00:00:00Z");
    Backfill backfill = new Backfill(config, catalog);
    var keys = OfflineTables.joinKeys(view);
    Backfill.Plan plan = backfill.plan(view, keys, null, from, to);
    assertThat(plan.rows()).isEqualTo(expected);
    assertThat(plan.skipped()).as("implausible event times in range").isEqualTo(20);
    Backfill.Result res = backfill.run(view, keys, null, from, to, true);
    assertThat(res.rows()).isEqualTo(expected);
    assertThat(res.onlineRows()).isEqualTo(expected);
    assertThat(res.skipped()).isEqualTo(20);
    Table table = catalog.loadTable(OfflineTables.identifier(view));
    List<Long> written = new ArrayList<>();
    try (CloseableIterable<Record> rows = IcebergGenerics.read(table).build()) {
      rows.forEach(
          r ->
              written.add(
                  ((OffsetDateTime) r.getField(OfflineTables.EVENT_TIME))
                      .toInstant()
                      .toEpochMilli()));
    }
    assertThat(written)
        .containsExactlyInAnyOrderElementsOf(times.stream().filter(t -> t >= plausible).toList());
    if (catalog instanceof AutoCloseable c) {
      c.close();
    }
  }

  /**
   * History whose int64 event times are epoch seconds: read as milliseconds they fell in January
   * 1970, outside the range, and the backfill (and its dry run) counted 0 rows without a word.
   */
  @Test
  void epochSecondsEventTimesAreRefusedNamingTheColumn() throws Exception {
    Schema seconds =
        new Schema(
            Types.NestedField.optional(1, "txn_id", Types.StringType.get()),
            Types.NestedField.optional(2, "user_id", Types.StringType.get()),
            Types.NestedField.optional(3, "amount", Types.DoubleType.get()),
            Types.NestedField.optional(4, "merchant", Types.StringType.get()),
            Types.NestedField.optional(5, "ts", Types.LongType.get()));
    Path raw = dir.resolve("raw-seconds").resolve("events.parquet");
    long first = Instant.parse("2024-05-01T00:00:00Z").getEpochSecond();
    List<Record> events = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      GenericRecord r = GenericRecord.create(seconds);
      r.setField("txn_id", "t" + i);
      r.setField("user_id", "u1");
      r.setField("amount", 1.0);
      r.setField("merchant", "m1");
      r.setField("ts", first + i * 60);
      events.add(r);
    }
    TrainingSetFiles.write(seconds, raw, events);
    QuiverConfig config =
        QuiverConfig.of(Map.of("offline.warehouse", dir.resolve("wh-seconds").toString()));
    Catalog catalog = OfflineCatalogs.open(config);
    FeatureView view = view(raw);
    assertThatThrownBy(
            () ->
                new Backfill(config, catalog)
                    .plan(
                        view,
                        OfflineTables.joinKeys(view),
                        null,
                        Instant.parse("2024-05-01T00:00:00Z"),
                        Instant.parse("2024-05-02T00:00:00Z")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "source: event-time column 'ts' of "
                + raw.getParent()
                + " holds "
                + first
                + " to "
                + (first + 240)
                + ", 1970-01-20T20:15:21.600Z to ")
        .hasMessageContaining("seconds? multiply by 1000");
  }

  private static Record rawEvent(String txn, String user, Long ts, long offset) {
    GenericRecord r = GenericRecord.create(RAW);
    r.setField("txn_id", txn);
    r.setField("user_id", user);
    r.setField("amount", 1.0);
    r.setField("merchant", "m0");
    r.setField("ts", ts == null ? null : OfflineWriter.timestamptz(ts));
    r.setField("offset", offset);
    return r;
  }

  @Test
  void backfillsARangeIntoATaggedSnapshotThatTheGuardHidesFromEarlierLabels() throws Exception {
    Path wh = dir.resolve("wh");
    QuiverConfig config =
        QuiverConfig.of(
            Map.of("offline.warehouse", wh.toString(), "offline.backfill.online-rate", "2000"));
    Catalog catalog = OfflineCatalogs.open(config);
    Path raw = dir.resolve("raw").resolve("events.parquet");
    List<Record> events = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      GenericRecord r = GenericRecord.create(RAW);
      int t = i % 2900; // 100 duplicates by txn_id (the same event again, later in the log)
      Random rnd = new Random(5 + t);
      r.setField("txn_id", "t" + t);
      r.setField("user_id", "u" + rnd.nextInt(20));
      r.setField("amount", (double) rnd.nextInt(1000));
      r.setField("merchant", "m" + rnd.nextInt(5));
      r.setField("ts", OfflineWriter.timestamptz(EventLog.BASE + (i % 2900) * 97_000L));
      r.setField("offset", (long) i);
      events.add(r);
    }
    // malformed history: skipped, and counted when their event time is in range (or null)
    long inRange = EventLog.BASE + 20 * EventLog.HOUR;
    List<Record> malformed = new ArrayList<>();
    malformed.add(rawEvent("bad-1", null, inRange, 3000)); // null key
    malformed.add(rawEvent("bad-2", "u1", null, 3001)); // null event time
    malformed.add(rawEvent(null, "u1", inRange, 3002)); // null dedup key
    malformed.add(rawEvent("bad-4", "u".repeat(8193), inRange, 3003)); // key over the limit
    malformed.add(rawEvent("bad-5", "u".repeat(8193), EventLog.BASE, 3004)); // out of range
    List<Record> history = new ArrayList<>(events);
    history.addAll(malformed);
    TrainingSetFiles.write(RAW, raw, history);
    FeatureView view = view(raw);
    Instant from = Instant.ofEpochMilli(EventLog.BASE + 10 * EventLog.HOUR);
    Instant to = Instant.ofEpochMilli(EventLog.BASE + 40 * EventLog.HOUR);
    // the independent expectation: distinct txn ids (first by time) with ts in [from, to)
    Set<String> seen = new HashSet<>();
    Set<Long> days = new HashSet<>();
    long expected = 0;
    for (Record r : events) {
      long ts = ((OffsetDateTime) r.getField("ts")).toInstant().toEpochMilli();
      if (seen.add((String) r.getField("txn_id"))
          && ts >= from.toEpochMilli()
          && ts < to.toEpochMilli()) {
        expected++;
        days.add(ts / 86_400_000L);
      }
    }

    Backfill backfill = new Backfill(config, catalog);
    var keys = OfflineTables.joinKeys(view);
    Backfill.Plan plan = backfill.plan(view, keys, null, from, to);
    assertThat(plan.rows()).isEqualTo(expected);
    assertThat(plan.skipped()).as("malformed rows in range").isEqualTo(4);
    assertThat(plan.partitions()).isEqualTo(days.size());
    assertThat(plan.bytes()).isPositive();
    // the history is one file holding the range: the job reads every record of it
    assertThat(plan.recordsToRead()).isEqualTo(history.size());
    assertThat(plan.files()).isEqualTo(1);
    assertThat(plan.estimatedSeconds())
        .isEqualTo(Backfill.estimatedSeconds(config, history.size(), expected));
    assertThat(catalog.loadTable(OfflineTables.identifier(view)).currentSnapshot()).isNull();

    assertThat(plan.sql())
        .as("the backfill runs the streaming job's projection and offline insert query")
        .contains(
            dev.quiver.jobs.plan.JobPlanner.offlineSelect(view, keys),
            "CREATE TEMPORARY VIEW `projected`");

    Instant before = Instant.now();
    List<long[]> progress = java.util.Collections.synchronizedList(new ArrayList<>());
    Backfill.Result res =
        backfill.run(
            view,
            keys,
            null,
            from,
            to,
            false,
            (read, total) -> progress.add(new long[] {read, total}));
    assertThat(res.rows()).isEqualTo(expected);
    assertThat(res.skipped()).as("malformed rows in range").isEqualTo(4);
    // the progress: the history rows the range's scan returns (those with event time in range or
    // null, malformed ones too) against the record count of the files it reads
    long returned =
        history.stream()
            .filter(
                r -> {
                  if (r.getField("ts") == null) {
                    return true;
                  }
                  long ts = ((OffsetDateTime) r.getField("ts")).toInstant().toEpochMilli();
                  return ts >= from.toEpochMilli() && ts < to.toEpochMilli();
                })
            .count();
    assertThat(progress).as("progress reported while the job ran").hasSizeGreaterThan(1);
    // against the rows the scan is expected to return (the file's share of the range, by its
    // event-time bounds; it held 78 hours, the range is 30 of them), not its 3,005 records: the
    // bar ended near 38% until the job ended
    long estimate = progress.get(0)[1];
    assertThat(estimate).isCloseTo(returned, org.assertj.core.data.Percentage.withPercentage(5));
    assertThat(progress.subList(0, progress.size() - 1)).allMatch(p -> p[1] == estimate);
    assertThat(progress.stream().mapToLong(p -> p[0]).toArray()).as("non-decreasing").isSorted();
    assertThat(progress.get(progress.size() - 1))
        .as("all returned when the job ended, and then the count is the total: 99%")
        .containsExactly(returned, returned);
    assertThat(res.onlineRows()).isZero();

    Table t = catalog.loadTable(OfflineTables.identifier(view));
    Snapshot snap = t.snapshot(res.snapshotId());
    assertThat(snap.summary())
        .containsEntry(OfflineTables.BACKFILL_ID_PROPERTY, res.plan().backfillId());
    assertThat(t.refs().get(res.tag()).snapshotId()).isEqualTo(res.snapshotId());
    long count = 0;
    try (CloseableIterable<Record> rows = IcebergGenerics.read(t).build()) {
      for (Record r : rows) {
        count++;
        long ingested = ((OffsetDateTime) r.getField("_ingested_at")).toInstant().toEpochMilli();
        assertThat(ingested).isBetween(before.toEpochMilli() - 1000, Instant.now().toEpochMilli());
        assertThat(r.getField("_in_amount")).isEqualTo(r.getField("last_amount"));
        long et = ((OffsetDateTime) r.getField("event_time")).toInstant().toEpochMilli();
        assertThat(et).isGreaterThanOrEqualTo(from.toEpochMilli()).isLessThan(to.toEpochMilli());
      }
    }
    assertThat(count).isEqualTo(expected);

    // a rerun's dry run: nothing left to append, but the history's one file (it holds the range)
    // and the table's rows of the range still to read
    Backfill.Plan rerun = backfill.plan(view, keys, null, from, to);
    assertThat(rerun.rows()).isZero();
    assertThat(rerun.recordsToRead()).isEqualTo(history.size());
    assertThat(rerun.tableRecordsToRead()).isEqualTo(expected);
    // (that the rerun's reads cost time is BackfillEstimateTest's: these few hundred records are
    // under the estimate's tenth of a second)
    assertThat(rerun.estimatedSeconds())
        .isEqualTo(Backfill.estimatedSeconds(config, history.size() + expected, 0));

    // a training row labelled before the backfill ran never sees its values with the guard on
    Path labels = dir.resolve("labels.parquet");
    var ls = PointInTimeJoinITCase.labelSchema();
    GenericRecord l = GenericRecord.create(ls);
    l.setField("label_id", 1);
    l.setField("user_id", "u3");
    l.setField("ts", OffsetDateTime.now().minusDays(1));
    TrainingSetFiles.write(ls, labels, List.of(l));
    PointInTimeJoin join = new PointInTimeJoin(catalog, OfflineCatalogs.properties(config), 2);
    for (boolean guard : new boolean[] {true, false}) {
      Record row =
          TrainingSetFiles.read(
                  join.run(
                          new TrainingSetRequest(
                              List.of(FeatureSelection.all(view)),
                              LabelSource.of(labels.toString(), "ts"),
                              null,
                              dir.resolve("o" + guard).toString(),
                              guard,
                              Map.of()))
                      .dataFiles())
              .get(0);
      // the ttl is 1 day: events from 2024 are expired either way; the 1h sum is empty either way
      assertThat(row.getField("user_txn__last_amount")).isNull();
    }

    assertThatThrownBy(() -> backfill.plan(view, keys, dir.resolve("nothing").toString(), from, to))
        .hasMessageContaining("does not exist");
  }
}
