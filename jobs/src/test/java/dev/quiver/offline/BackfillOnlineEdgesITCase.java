package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.codec.ValueCodec;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.SourceField;
import dev.quiver.core.tile.TileAggregator;
import dev.quiver.core.tile.TileAggregators;
import dev.quiver.core.tile.TileBundle;
import dev.quiver.core.tile.Tiling;
import dev.quiver.online.OnlineCell;
import dev.quiver.online.OnlineRead;
import dev.quiver.online.OnlineReadResult;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import dev.quiver.online.Qualifiers;
import dev.quiver.online.ViewTableId;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An {@code --online} backfill of a range that does not start or end on the tile grid: it wrote
 * each tile it touched whole (an upsert) from the range's events only, so the tiles straddling the
 * range's edges (its 5m, 1h and 1d tiles) were overwritten online with part of their events. Now
 * the tiles are grouped over the enclosing day's events, while the Iceberg rows stay the range's,
 * and a row feature keeps its newest value (cells are versioned by event time).
 */
class BackfillOnlineEdgesITCase {
  @TempDir Path dir;

  private static final long DAY = 86_400_000L;

  @Test
  void aMidHourOnlineBackfillRewritesWholeTilesAndAppendsOnlyTheRangesRows() throws Exception {
    // recent days (the online table expires cells by its TTL, from now): the day before
    // yesterday, with history from 6h before it to its next day
    long day0 = Instant.now().truncatedTo(ChronoUnit.DAYS).toEpochMilli() - 2 * DAY;
    Path folder = dir.resolve("raw");
    List<Record> history = new ArrayList<>();
    for (int i = 0; i < 1700; i++) {
      history.add(
          event("t" + i, "u" + (i % 7), day0 - 6 * 3_600_000L + i * 97_000L, i, (i % 13) + 0.5));
    }
    TrainingSetFiles.write(BackfillITCase.RAW, folder.resolve("a.parquet"), history);
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
                "200000"));
    Catalog catalog = OfflineCatalogs.open(config);
    FeatureView view = view(folder);
    List<JoinKey> keys = OfflineTables.joinKeys(view);
    Backfill backfill = new Backfill(config, catalog);

    // 1. the whole history, online too: every tile set
    Backfill.Result full =
        backfill.run(
            view,
            keys,
            null,
            Instant.ofEpochMilli(day0 - DAY),
            Instant.ofEpochMilli(day0 + 2 * DAY),
            true);
    assertThat(full.rows()).isEqualTo(history.size());

    // 2. events that arrive late: in the range, and outside it on the same day
    Instant from = Instant.ofEpochMilli(day0 + 10 * 3_600_000L + 17 * 60_000L + 23_000L);
    Instant to = Instant.ofEpochMilli(day0 + 13 * 3_600_000L + 42 * 60_000L + 5_000L);
    List<Record> late = new ArrayList<>();
    for (int j = 0; j < 60; j++) {
      long ts =
          j < 40
              ? from.toEpochMilli() + j * 301_000L // in the range
              : day0 + (j - 40) * 1_234_567L; // the same day, outside the range
      late.add(event("late" + j, "u" + (j % 7), ts, 10_000 + j, j + 0.25));
    }
    TrainingSetFiles.write(BackfillITCase.RAW, folder.resolve("b.parquet"), late);
    List<Record> lateInRange = late.stream().filter(r -> in(r, from, to)).toList();
    assertThat(lateInRange).hasSize(40);

    // the dry run reports the wider read of the online part (the enclosing day)
    Backfill.Plan plan = backfill.plan(view, keys, null, from, to, true);
    assertThat(plan.readFrom()).isEqualTo(Instant.ofEpochMilli(day0));
    assertThat(plan.readTo()).isEqualTo(Instant.ofEpochMilli(day0 + DAY));
    assertThat(plan.rows()).isEqualTo(lateInRange.size());
    assertThat(plan.sql()).contains("enclosing tiles [" + Instant.ofEpochMilli(day0));

    // 3. the mid-hour range, online
    Backfill.Result res = backfill.run(view, keys, null, from, to, true);
    long rangeEvents = history.stream().filter(r -> in(r, from, to)).count() + lateInRange.size();
    assertThat(res.onlineRows()).isEqualTo(rangeEvents);

    // the Iceberg rows: exactly the range's late events were appended
    assertThat(res.rows()).isEqualTo(lateInRange.size());
    Table table = catalog.loadTable(OfflineTables.identifier(view));
    String user = keys.get(0).name();
    List<String> rows = new ArrayList<>();
    try (CloseableIterable<Record> it = IcebergGenerics.read(table).build()) {
      it.forEach(
          r ->
              rows.add(
                  r.getField(user)
                      + "@"
                      + ((OffsetDateTime) r.getField("event_time")).toInstant().toEpochMilli()
                      + "="
                      + r.getField("last_amount")));
    }
    List<String> expectedRows = new ArrayList<>();
    history.forEach(r -> expectedRows.add(row(r)));
    lateInRange.forEach(r -> expectedRows.add(row(r)));
    assertThat(rows).containsExactlyInAnyOrderElementsOf(expectedRows);

    // every online tile equals a plain sum over all events of its interval (not the range's)
    List<Record> all = new ArrayList<>(history);
    all.addAll(late);
    Feature sum = view.features().get(1);
    TileAggregator agg = TileAggregators.forFeature(sum);
    byte[] series = TileBundle.names(List.of(TileAggregators.seriesName(sum.aggregation())))[0];
    Tiling tiling = Tiling.forView(view);
    Map<String, Map<String, Double>> expected = new TreeMap<>();
    Map<String, Record> newest = new HashMap<>();
    for (Record r : all) {
      String u = (String) r.getField("user_id");
      long ts = millis(r);
      for (long res0 : tiling.resolutions()) {
        String q = Qualifiers.tilePrefix(res0) + Math.floorDiv(ts, res0) * res0;
        expected
            .computeIfAbsent(u, k -> new TreeMap<>())
            .merge(q, (Double) r.getField("amount"), Double::sum);
      }
      if (late.contains(r) && !in(r, from, to)) {
        continue; // its row cell is not the backfill's to write
      }
      newest.merge(u, r, (a, b) -> millis(b) > millis(a) ? b : a);
    }
    ViewTableId tableId = ViewTableId.of(view);
    int compared = 0;
    try (OnlineStore store = OnlineStores.open(config)) {
      for (String u : expected.keySet()) {
        byte[] key = EntityKeyCodec.encode(keys, List.of(u));
        OnlineReadResult read =
            store.multiGet(List.of(OnlineRead.latest(tableId, key, List.of()))).get().get(0);
        assertThat(read.ok()).isTrue();
        Map<String, Double> tiles = new TreeMap<>();
        read.cells()
            .forEach(
                (q, cell) -> {
                  if (q.startsWith("tiles@")) {
                    tiles.put(
                        q, (Double) agg.finish(agg.decode(TileBundle.find(cell.value(), series))));
                  }
                });
        // only the tiles that differ, if any (before: the range's 1h and 1d tiles at its edges,
        // e.g. the day's 1d tile 833.0 instead of 1087.25)
        Map<String, String> differ = new TreeMap<>();
        Map<String, Double> want = expected.get(u);
        for (String q : new java.util.TreeSet<>(java.util.Set.copyOf(tiles.keySet()))) {
          if (!tiles.get(q).equals(want.get(q))) {
            differ.put(q, "online " + tiles.get(q) + ", expected " + want.get(q));
          }
        }
        want.forEach((q, v) -> differ.putIfAbsent(q, tiles.containsKey(q) ? null : "missing"));
        differ.values().removeIf(java.util.Objects::isNull);
        assertThat(differ).as("tiles of " + u + " that differ from all events' sums").isEmpty();
        compared += tiles.size();
        // the row feature keeps the user's newest value: the range's cells are older versions
        OnlineCell last = read.cells().get(Qualifiers.row("last_amount"));
        assertThat(last.ts()).isEqualTo(millis(newest.get(u)));
        assertThat(ValueCodec.decode(FeatureType.FLOAT64, last.value()))
            .isEqualTo(newest.get(u).getField("amount"));
      }
    }
    assertThat(compared).isGreaterThan(500);
    if (catalog instanceof AutoCloseable c) {
      c.close();
    }
  }

  /** {@link BackfillITCase#view}'s features over the Parquet folder, kept online for 30 days. */
  private static FeatureView view(Path folder) {
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
            Map.of("path", folder.toString()));
    return FeatureView.builder("user_txn_edges")
        .entities(List.of("user"))
        .source(source)
        .ttl(Duration.ofDays(30))
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

  /** A raw event as its offline row: entity, event time and last_amount. */
  private static String row(Record r) {
    return r.getField("user_id") + "@" + millis(r) + "=" + r.getField("amount");
  }

  private static long millis(Record r) {
    return ((OffsetDateTime) r.getField("ts")).toInstant().toEpochMilli();
  }

  private static boolean in(Record r, Instant from, Instant to) {
    long ts = millis(r);
    return ts >= from.toEpochMilli() && ts < to.toEpochMilli();
  }

  private static Record event(String txn, String user, long ts, long offset, double amount) {
    GenericRecord r = GenericRecord.create(BackfillITCase.RAW);
    r.setField("txn_id", txn);
    r.setField("user_id", user);
    r.setField("amount", amount);
    r.setField("merchant", "m0");
    r.setField("ts", OfflineWriter.timestamptz(ts));
    r.setField("offset", offset);
    return r;
  }
}
