package dev.quiver.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.testing.IcebergRows;
import dev.quiver.jobs.testing.MaterializationHarness;
import dev.quiver.jobs.testing.OnlineReference;
import dev.quiver.jobs.testing.Reference;
import dev.quiver.jobs.testing.Transactions;
import dev.quiver.offline.Backfill;
import dev.quiver.offline.OfflineCatalogs;
import dev.quiver.offline.OfflineTables;
import dev.quiver.offline.OfflineWriter;
import dev.quiver.offline.TrainingSetFiles;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5, must show 3: the backfill's Iceberg rows equal the streaming job's rows. The real
 * streaming job (KRaft broker → Flink MiniCluster → embedded online store + Iceberg) materializes a
 * generated adversarial log (duplicates, out-of-order and equal timestamps, malformed and too-late
 * records); then the same view is backfilled — through the same SQL text, in Flink batch mode —
 * from the Kafka offset range and from Parquet files of the same raw events, each into a new
 * snapshot of the same table, the Kafka one with {@code --online} into a fresh online store.
 *
 * <ul>
 *   <li>The backfill has no lateness (docs/backfills.md): its rows are the streaming job's rows
 *       plus exactly the events the streaming job dropped as too late; restricted to the events the
 *       streaming job accepted they are equal, row for row (every column but {@code _ingested_at},
 *       which is the backfill's start by design).
 *   <li>Both are checked against the plain {@link Reference} (with and without the lateness cut).
 *   <li>The Parquet backfill's rows equal the Kafka backfill's.
 *   <li>The online store written by the backfill answers every sampled (user, t), rows and window
 *       aggregations (tiles), as the plain online reference over all deduplicated events does; the
 *       upserts were throttled.
 * </ul>
 */
class BackfillMatchesStreamingITCase {
  @RegisterExtension static final MaterializationHarness harness = new MaterializationHarness();

  @TempDir Path tmp;

  @Test
  void backfillRowsEqualTheStreamingJobsRows() throws Exception {
    // 1. the streaming job
    FeatureView view = Transactions.view("txn-backfill", true, true);
    MaterializationHarness.CaughtUp run =
        harness.catchUp(
            view,
            withLongKey(Transactions.generateChunk(0, 1500, 17, 6)),
            tmp,
            MaterializationHarness.embedded(tmp.resolve("online-streaming")),
            false);
    List<Reference.Sent> log = run.log();
    Reference streamingRef = run.reference();
    MaterializationHarness.assertAdversarial(log, streamingRef);
    Reference backfillRef = new Reference(log, 0, Long.MAX_VALUE / 4); // no lateness
    Set<String> streamed = new HashSet<>();
    streamingRef.accepted.forEach(a -> streamed.add(a.txn().txnId()));
    Path warehouse = run.warehouse();
    long streamingSnapshot = run.snapshotId();
    List<String> streamingRows;
    try (HadoopCatalog catalog = MaterializationHarness.catalog(warehouse)) {
      streamingRows =
          rows(catalog.loadTable(OfflineTables.identifier(view)), null, streamingSnapshot, null);
    }
    assertThat(streamingRows).isEqualTo(IcebergRows.expectedWithoutIngestedAt(streamingRef));

    // 2. the backfill of the same events from the Kafka offset range, with --online
    Path onlineDir = tmp.resolve("online-backfill");
    long rate = 2000;
    QuiverConfig config =
        QuiverConfig.of(
            Map.of(
                "offline.warehouse", warehouse.toString(),
                "kafka.bootstrap-servers", harness.kafka().bootstrapServers(),
                "online.type", "embedded",
                "online.embedded.path", onlineDir.toString(),
                "offline.backfill.online-rate", Long.toString(rate)));
    Instant from = Transactions.T0.minus(Duration.ofHours(1));
    Instant to = Transactions.T0.plus(Duration.ofDays(1));
    Catalog catalog = OfflineCatalogs.open(config);
    Backfill backfill = new Backfill(config, catalog);
    // what the stream lacks: the first copies of the events it dropped as too late
    long tooLate =
        streamingRef.rejected.stream()
            .filter(r -> r.reason().equals("too_late"))
            .map(Reference.Rejected::offset)
            .filter(o -> isFirstCopy(log, o))
            .count();
    assertThat(tooLate).isPositive();
    Backfill.Plan plan = backfill.plan(view, Transactions.keys(), "kafka", from, to);
    assertThat(plan.rows()).as("rows the backfill will append").isEqualTo(tooLate);
    // the records the streaming job dead-lettered (the long key among them) are skipped, counted
    long malformed =
        streamingRef.rejected.stream().filter(r -> !r.reason().equals("too_late")).count();
    assertThat(malformed).isPositive();
    assertThat(plan.skipped()).as("malformed records of the range").isEqualTo(malformed);
    assertThat(plan.sql())
        .contains(dev.quiver.jobs.plan.JobPlanner.offlineSelect(view, Transactions.keys()))
        .contains("NOT EXISTS");
    Instant before = Instant.now();
    long t0 = System.nanoTime();
    Backfill.Result kafkaRun = backfill.run(view, Transactions.keys(), "kafka", from, to, true);
    double seconds = (System.nanoTime() - t0) / 1e9;
    Instant after = Instant.now();
    Table table = catalog.loadTable(OfflineTables.identifier(view));
    List<String> appended = rows(table, streamingSnapshot, kafkaRun.snapshotId(), ingestedAt());
    assertThat(ingestedAt)
        .allSatisfy(ms -> assertThat(ms).isBetween(before.toEpochMilli(), after.toEpochMilli()));

    // the table now holds every well-formed, deduplicated event once: the reference without
    // lateness (the backfill's own rows are the corrected history) ...
    List<String> all = rows(table, null, kafkaRun.snapshotId(), null);
    assertThat(all).isEqualTo(IcebergRows.expectedWithoutIngestedAt(backfillRef));
    // ... because it appended exactly the events the stream dropped as too late, and none of the
    // events the stream wrote (those keep their rows and their first _ingested_at)
    assertThat(appended)
        .hasSize((int) tooLate)
        .allSatisfy(r -> assertThat(streamed).doesNotContain(txnOf(r, backfillRef)));
    assertThat(kafkaRun.rows()).isEqualTo(tooLate);
    assertThat(kafkaRun.skipped()).isEqualTo(malformed);

    // the online store the backfill wrote: rows and tiles of every event of the range, as the
    // reference over all events says
    try (OnlineStore store =
        OnlineStores.open(
            QuiverConfig.of(
                Map.of("online.type", "embedded", "online.embedded.path", onlineDir.toString())))) {
      int compared =
          OnlineReference.assertOnlineEqualsReference(
              store, view, backfillRef.accepted, OnlineReference.readTimes(backfillRef.accepted));
      assertThat(compared).isGreaterThan(500);
    }
    // throttled: the row cells alone (one upsert per event) take events / (rate / 2) seconds
    int events = backfillRef.accepted.size();
    assertThat(kafkaRun.onlineRows()).isEqualTo(events);
    assertThat(seconds).isGreaterThan(events / (rate / 2.0) * 0.9);

    // 3. run again, and from Parquet files of the same raw events (with the offset column, and
    // without it, compared then without _seq): nothing left to append
    List<long[]> progress = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    Backfill.Result again =
        backfill.run(
            view,
            Transactions.keys(),
            "kafka",
            from,
            to,
            false,
            (read, total) -> progress.add(new long[] {read, total}));
    // its progress: the topic's records read (malformed ones too) of the range's offsets
    assertThat(progress).isNotEmpty();
    long offsets = progress.get(0)[1];
    assertThat(offsets).isGreaterThanOrEqualTo(events + malformed);
    assertThat(progress).allMatch(p -> p[1] == offsets);
    assertThat(progress.get(progress.size() - 1)[0]).isEqualTo(offsets);
    assertThat(again.snapshotId()).isNull();
    assertThat(again.rows()).isZero();
    Path withOffsets = tmp.resolve("raw").resolve("events.parquet");
    writeRaw(log, withOffsets, true);
    Path withoutOffsets = tmp.resolve("raw-no-offsets").resolve("events.parquet");
    writeRaw(log, withoutOffsets, false);
    for (Path raw : List.of(withOffsets, withoutOffsets)) {
      Backfill.Result parquetRun =
          backfill.run(view, Transactions.keys(), raw.getParent().toString(), from, to, false);
      assertThat(parquetRun.rows()).as("appended from " + raw).isZero();
      assertThat(parquetRun.skipped()).as("the long-key row of " + raw).isEqualTo(1);
      assertThat(parquetRun.snapshotId()).isNull();
    }
    table.refresh();
    assertThat(table.currentSnapshot().snapshotId()).isEqualTo(kafkaRun.snapshotId());

    // 4. the Parquet history into a table that holds nothing yet (another warehouse): the same
    // rows as the Kafka range's, all of them appended
    QuiverConfig empty =
        QuiverConfig.of(Map.of("offline.warehouse", tmp.resolve("warehouse-files").toString()));
    Catalog emptyCatalog = OfflineCatalogs.open(empty);
    Backfill.Result parquetRun =
        new Backfill(empty, emptyCatalog)
            .run(view, Transactions.keys(), withOffsets.getParent().toString(), from, to, false);
    Table filesTable = emptyCatalog.loadTable(OfflineTables.identifier(view));
    assertThat(rows(filesTable, null, parquetRun.snapshotId(), null)).isEqualTo(all);
    if (emptyCatalog instanceof AutoCloseable c) {
      c.close();
    }

    // a --source that is not there, not Parquet, or no table names the field 'source' (it said
    // 'labels', or carried the Parquet reader's object name or Iceberg's exception class)
    Path notParquet = tmp.resolve("notes.txt");
    java.nio.file.Files.writeString(notParquet, "not parquet\n");
    assertThatThrownBy(() -> backfill.plan(view, Transactions.keys(), tmp + "/missing", from, to))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "source: '" + tmp + "/missing' does not exist (expected: a .parquet file or folder)");
    assertThatThrownBy(
            () -> backfill.plan(view, Transactions.keys(), notParquet.toString(), from, to))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "source: '"
                + notParquet
                + "' is not a readable Parquet file; expected Parquet files (a file, or a folder"
                + " of *.parquet), a CSV file named *.csv, or an Iceberg table ns.table");
    assertThatThrownBy(() -> backfill.plan(view, Transactions.keys(), "raw.nope", from, to))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "source: Iceberg table 'raw.nope' does not exist in the offline catalog (expected: a"
                + " table ns.table with the raw events, a Parquet path with a '/' or a .parquet"
                + " name, or kafka[:P:FIRST-END,...])");
    System.out.printf(
        "BackfillMatchesStreamingITCase: %d streaming rows, %d appended by the backfill (too late"
            + " for the stream), %d events online, online backfill %.1f s%n",
        streamingRows.size(), appended.size(), events, seconds);
    if (catalog instanceof AutoCloseable c) {
      c.close();
    }
  }

  private final List<Long> ingestedAt = new ArrayList<>();

  private List<Long> ingestedAt() {
    ingestedAt.clear();
    return ingestedAt;
  }

  /** Is the record at offset {@code o} the first copy of its txn (the one dedup would keep)? */
  private static boolean isFirstCopy(List<Reference.Sent> log, long o) {
    Map<String, Long> first = new HashMap<>();
    for (Reference.Sent s : log) {
      if (s.record().txn() != null) {
        first.putIfAbsent(s.record().txn().txnId(), s.offset());
      }
    }
    for (Reference.Sent s : log) {
      if (s.offset() == o) {
        return first.get(s.record().txn().txnId()) == o;
      }
    }
    return false;
  }

  /** The txn id of a formatted row, by its (user, event time, seq) among the reference's events. */
  private static String txnOf(String row, Reference ref) {
    String[] f = row.split("\\|");
    long seq = Long.parseLong(f[7]);
    for (Reference.Accepted a : ref.accepted) {
      if (a.seq() == seq) {
        return a.txn().txnId();
      }
    }
    throw new AssertionError("no event with offset " + seq);
  }

  /**
   * The rows a snapshot range added (all rows up to {@code to} when {@code from} is null) without
   * {@code _ingested_at}, which goes to {@code ingested} when given.
   */
  private static List<String> rows(Table table, Long from, long to, List<Long> ingested) {
    return IcebergRows.read(
        table,
        from,
        to,
        r -> {
          if (ingested != null) {
            ingested.add(IcebergRows.millis(r, "_ingested_at"));
          }
          return IcebergRows.TRANSACTIONS_WITHOUT_INGESTED_AT.apply(r);
        });
  }

  /**
   * The log's well-formed records as Parquet raw events, with the Kafka offset as a column or
   * without it.
   */
  /** The log with a record whose key is too long (a malformed dead letter) in its middle. */
  private static List<Transactions.Record> withLongKey(List<Transactions.Record> log) {
    List<Transactions.Record> out = new ArrayList<>(log);
    out.add(out.size() / 2, Transactions.longKey(out, out.size() / 2, 40_000));
    return out;
  }

  private static void writeRaw(List<Reference.Sent> log, Path file, boolean withOffset) {
    Schema raw =
        new Schema(
            Types.NestedField.optional(1, "txn_id", Types.StringType.get()),
            Types.NestedField.optional(2, "user_id", Types.StringType.get()),
            Types.NestedField.optional(3, "merchant", Types.StringType.get()),
            Types.NestedField.optional(4, "amount", Types.DoubleType.get()),
            Types.NestedField.optional(5, "ts", Types.TimestampType.withZone()));
    if (withOffset) {
      raw =
          new Schema(
              java.util.stream.Stream.concat(
                      raw.columns().stream(),
                      java.util.stream.Stream.of(
                          Types.NestedField.optional(6, "offset", Types.LongType.get())))
                  .toList());
    }
    List<Record> records = new ArrayList<>();
    for (Reference.Sent s : log) {
      Transactions.Txn t = s.record().txn();
      if (t == null) {
        continue; // malformed: the streaming job's dead letters, not raw history
      }
      GenericRecord r = GenericRecord.create(raw);
      r.setField("txn_id", t.txnId());
      r.setField("user_id", t.userId());
      r.setField("merchant", t.merchant());
      r.setField("amount", t.amount());
      r.setField("ts", OfflineWriter.timestamptz(t.ts()));
      if (withOffset) {
        r.setField("offset", s.offset());
      }
      records.add(r);
    }
    // raw history with a key longer than the lookup service takes (the Kafka log's long-key record
    // is malformed, so not above): skipped, as the parser skips it
    GenericRecord r = GenericRecord.create(raw);
    r.setField("txn_id", "long-key-history");
    r.setField("user_id", "u".repeat(40_000));
    r.setField("merchant", "m1");
    r.setField("amount", 1.0);
    r.setField("ts", OfflineWriter.timestamptz(Transactions.T0.toEpochMilli() + 60_000));
    if (withOffset) {
      r.setField("offset", (long) log.size());
    }
    records.add(r);
    TrainingSetFiles.write(raw, file, records);
  }
}
