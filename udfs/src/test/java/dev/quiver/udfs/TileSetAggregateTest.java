package dev.quiver.udfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.flink.table.data.StringData;
import org.junit.jupiter.api.Test;

/**
 * {@code QUIVER_TILE_SET} against {@code QUIVER_TILES} run per (resolution, tile), on generated
 * out-of-order events with equal timestamps and nulls, under the call sequences of Flink's
 * streaming group aggregation (mini-batches: restore, getValue, fold, read back, getValue) and of a
 * batch aggregation (with and without a conversion of the accumulator per row).
 */
class TileSetAggregateTest {
  private static final String RES = "60000,3600000,86400000";
  private static final long[] RESOLUTIONS = {60_000L, 3_600_000L, 86_400_000L};
  private static final StringData RES_DATA = StringData.fromString(RES);
  private static final StringData SERIES =
      StringData.fromString(
          "count|*|0|INT64;sum|amount|0|FLOAT64;max|amount|0|FLOAT64;"
              + "last_n|merchant|3|ARRAY<STRING>;count_distinct|merchant|0|INT64");

  record Event(long ms, long seq, Double amount, String merchant) {
    Object[] values() {
      return new Object[] {1, amount, amount, merchant, merchant};
    }
  }

  record Tile(long res, long start) {}

  /** Events of one entity within one day, out of order, with equal timestamps and nulls. */
  private static List<Event> events(Random r, int n) {
    long day = 20_000L * 86_400_000L;
    List<Event> out = new ArrayList<>();
    long t = day + r.nextInt(3_600_000);
    for (int i = 0; i < n; i++) {
      t += r.nextInt(4) == 0 ? 0 : r.nextInt(900_000); // equal timestamps now and then
      long ms = Math.min(day + 86_399_999L, r.nextInt(5) == 0 ? t - r.nextInt(3_600_000) : t);
      Double amount = r.nextInt(10) == 0 ? null : Math.round(r.nextDouble() * 10_000) / 100.0;
      String merchant = r.nextInt(10) == 0 ? null : "m" + r.nextInt(6);
      out.add(new Event(Math.max(day, ms), 1000 + i, amount, merchant));
    }
    return out;
  }

  /** The reference: one QUIVER_TILES accumulator per (resolution, tile), fed in arrival order. */
  private static Map<Tile, byte[]> reference(List<Event> events) {
    TileBundleAggregate tiles = new TileBundleAggregate();
    Map<Tile, TileBundleAggregate.Acc> accs = new HashMap<>();
    for (Event e : events) {
      for (long res : RESOLUTIONS) {
        Tile tile = new Tile(res, Math.floorDiv(e.ms(), res) * res);
        tiles.accumulate(
            accs.computeIfAbsent(tile, k -> tiles.createAccumulator()),
            SERIES,
            e.ms(),
            e.seq(),
            e.values());
      }
    }
    Map<Tile, byte[]> out = new HashMap<>();
    accs.forEach((k, v) -> out.put(k, tiles.getValue(v)));
    return out;
  }

  private static void fold(TileSetAggregate f, TileSetAggregate.Acc acc, Event e) {
    f.accumulate(acc, RES_DATA, SERIES, e.ms(), e.seq(), e.values());
  }

  /** Applies a result to a store of cells; returns the tiles it held. */
  private static Set<Tile> apply(byte[] changed, Map<Tile, byte[]> store) {
    Set<Tile> seen = new HashSet<>();
    for (Object[] t : TileSetAggregate.decodeChanged(changed)) {
      Tile tile = new Tile((Long) t[0], (Long) t[1]);
      assertThat(seen.add(tile)).as("tile listed twice: %s", tile).isTrue();
      store.put(tile, (byte[]) t[3]);
    }
    return seen;
  }

  @Test
  void miniBatchesEmitExactlyTheTilesEachBatchChangedWithTheirWholeState() {
    Random r = new Random(7);
    for (int round = 0; round < 50; round++) {
      List<Event> events = events(r, 1 + r.nextInt(60));
      TileSetAggregate f = new TileSetAggregate();
      Map<Tile, byte[]> store = new HashMap<>();
      byte[] state = null;
      int i = 0;
      while (i < events.size()) {
        int batch = 1 + r.nextInt(5);
        TileSetAggregate.Acc acc = f.createAccumulator();
        if (state != null) {
          acc.setTiles(state); // restored from state
        }
        f.getValue(acc); // the previous result, as Flink's group aggregation reads it first
        Set<Tile> touched = new HashSet<>();
        for (int j = i; j < Math.min(events.size(), i + batch); j++) {
          fold(f, acc, events.get(j));
          for (long res : RESOLUTIONS) {
            touched.add(new Tile(res, Math.floorDiv(events.get(j).ms(), res) * res));
          }
        }
        i += batch;
        state = acc.getTiles();
        assertThat(apply(f.getValue(acc), store)).isEqualTo(touched);
      }
      Map<Tile, byte[]> expected = reference(events);
      assertThat(store.keySet()).isEqualTo(expected.keySet());
      expected.forEach((k, v) -> assertThat(store.get(k)).as("tile %s", k).isEqualTo(v));
    }
  }

  @Test
  void aBatchAggregationEmitsEveryTileOnceWithOrWithoutAConversionPerRow() {
    Random r = new Random(11);
    for (int round = 0; round < 30; round++) {
      List<Event> events = events(r, 1 + r.nextInt(60));
      Map<Tile, byte[]> expected = reference(events);
      TileSetAggregate f = new TileSetAggregate();

      TileSetAggregate.Acc kept = f.createAccumulator();
      events.forEach(e -> fold(f, kept, e));
      Map<Tile, byte[]> one = new HashMap<>();
      apply(f.getValue(kept), one);

      byte[] state = null;
      for (Event e : events) {
        TileSetAggregate.Acc acc = f.createAccumulator();
        if (state != null) {
          acc.setTiles(state);
        }
        fold(f, acc, e);
        state = acc.getTiles();
      }
      TileSetAggregate.Acc last = f.createAccumulator();
      last.setTiles(state);
      Map<Tile, byte[]> converted = new HashMap<>();
      apply(f.getValue(last), converted);

      for (Map<Tile, byte[]> got : List.of(one, converted)) {
        assertThat(got.keySet()).isEqualTo(expected.keySet());
        expected.forEach((k, v) -> assertThat(got.get(k)).as("tile %s", k).isEqualTo(v));
      }
    }
  }

  @Test
  void noEventsNoTiles() {
    TileSetAggregate f = new TileSetAggregate();
    assertThat(f.getValue(f.createAccumulator())).isNull();
    List<Object[]> rows = new ArrayList<>();
    TileSetRows explode = new TileSetRows();
    explode.setCollector(
        new org.apache.flink.util.Collector<>() {
          @Override
          public void collect(org.apache.flink.table.data.RowData row) {
            rows.add(new Object[] {row});
          }

          @Override
          public void close() {}
        });
    explode.eval(null);
    assertThat(rows).isEmpty();
  }

  @Test
  void tileRowsAreTheChangedTilesOneRowEach() {
    TileSetAggregate f = new TileSetAggregate();
    TileSetAggregate.Acc acc = f.createAccumulator();
    List<Event> events = events(new Random(3), 20);
    events.forEach(e -> fold(f, acc, e));
    byte[] changed = f.getValue(acc);
    List<org.apache.flink.table.data.RowData> rows = new ArrayList<>();
    TileSetRows explode = new TileSetRows();
    explode.setCollector(
        new org.apache.flink.util.Collector<>() {
          @Override
          public void collect(org.apache.flink.table.data.RowData row) {
            rows.add(row);
          }

          @Override
          public void close() {}
        });
    explode.eval(changed);
    Map<Tile, byte[]> expected = reference(events);
    assertThat(rows).hasSize(expected.size());
    for (var row : rows) {
      Tile tile = new Tile(row.getLong(0), row.getLong(1));
      assertThat(row.getBinary(3)).as("tile %s", tile).isEqualTo(expected.get(tile));
      long max =
          events.stream()
              .filter(e -> Math.floorDiv(e.ms(), tile.res()) * tile.res() == tile.start())
              .mapToLong(Event::ms)
              .max()
              .orElseThrow();
      assertThat(row.getLong(2)).isEqualTo(max);
    }
  }

  @Test
  void badResolutionsAreNamed() {
    assertThatThrownBy(() -> TileSetAggregate.parseResolutions("60000,x"))
        .hasMessageContaining("'x'")
        .hasMessageContaining("expected millis");
    assertThatThrownBy(() -> TileSetAggregate.parseResolutions("3600000,60000"))
        .hasMessageContaining("ascending");
  }
}
