package dev.quiver.core.tile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.tile.ReferenceAggregates.Event;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every aggregation, on generated adversarial events (duplicates, out-of-order arrival, equal
 * timestamps and values), read through tiles (fine and rollup covers, states round-tripped through
 * bytes, merged in random order) must equal a plain recomputation from the raw events by the window
 * rule {@code a(t) <= event_time <= t}, {@code a(t) = floor(t/s)*s + s - W}.
 */
class TileAggregatorTest {
  private static final long MIN = 60_000L;
  private static final long HOUR = 60 * MIN;
  private static final long DAY = 24 * HOUR;

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (AggregationFunction f : AggregationFunction.values()) {
      List<FeatureType> types =
          switch (f) {
            case SUM, AVG, STDDEV -> List.of(FeatureType.INT64, FeatureType.FLOAT64);
            case COUNT -> List.of(FeatureType.INT64);
            default -> List.of(FeatureType.INT64, FeatureType.STRING);
          };
      for (FeatureType t : types) {
        for (long seed = 1; seed <= 4; seed++) {
          out.add(Arguments.of(f, t, seed));
        }
      }
    }
    return out.stream();
  }

  /**
   * Strings compare by code point, as Flink SQL's MAX does in a tumbling-window view: an emoji
   * (beyond the BMP) is above 'ﬀ' (U+FB00) and U+FFFD. Java's String.compareTo, which the tiles
   * used, put them below (FuzzDifferentialITCase: a declarative max and a SQL MAX of the same
   * strings disagreed).
   */
  @org.junit.jupiter.api.Test
  void stringsCompareByCodePoint() {
    String emoji = "\uD83D\uDE00";
    List<String> values = List.of("\uFB00", emoji, "\uFFFD", "z", "\uFB00\uFB00", emoji + "a");
    for (AggregationFunction f : List.of(AggregationFunction.MAX, AggregationFunction.MIN)) {
      TileAggregator agg =
          TileAggregators.of(new Aggregation("s", f, Duration.ofHours(1), 0), FeatureType.STRING);
      TileState s = agg.empty();
      for (String v : values) {
        s = agg.add(s, v, 0, 0);
      }
      assertThat(agg.finish(s))
          .as(f.name())
          .isEqualTo(f == AggregationFunction.MAX ? emoji + "a" : "z");
    }
    assertThat(ExtremumAggregator.compareCodePoints("\uFFFD", emoji)).isNegative();
    assertThat(ExtremumAggregator.compareCodePoints(emoji, "\uFB00")).isPositive();
    assertThat(ExtremumAggregator.compareCodePoints("a", "ab")).isNegative();
    assertThat(ExtremumAggregator.compareCodePoints("b", "ab")).isPositive();
    assertThat(ExtremumAggregator.compareCodePoints(emoji, emoji)).isZero();
  }

  @ParameterizedTest(name = "{0}({1}) seed {2}")
  @MethodSource("cases")
  void tilesAgreeWithAPlainReference(AggregationFunction f, FeatureType type, long seed) {
    Random rnd = new Random(seed * 31 + f.ordinal());
    long tile = List.of(MIN, 5 * MIN, 15 * MIN, HOUR).get(rnd.nextInt(4));
    Tiling rollups = Tiling.withDefaultRollups(Duration.ofMillis(tile));
    Tiling fineOnly = Tiling.of(Duration.ofMillis(tile));
    Aggregation agg = new Aggregation(column(f), f, Duration.ofDays(1), 3 + rnd.nextInt(4));
    TileAggregator aggregator = TileAggregators.of(agg, type);

    long base = 1_700_000_000_000L - Math.floorMod(1_700_000_000_000L, DAY) + rnd.nextInt(1000);
    List<Event> events = generate(rnd, type, base, 3 * DAY);
    List<Event> arrival = new ArrayList<>(events);
    Collections.shuffle(arrival, rnd); // out-of-order arrival

    List<Long> readTimes = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      readTimes.add(base + (long) (rnd.nextDouble() * 3.2 * DAY));
    }
    Event last = events.stream().max(Comparator.comparingLong(Event::time)).orElseThrow();
    readTimes.add(last.time()); // the window's end is inclusive
    readTimes.add(last.time() + 8 * DAY); // decay: nothing new for 8 days
    for (long t : readTimes) {
      // the store state at t: every event with event_time <= t has arrived
      List<Event> known = arrival.stream().filter(e -> e.time() <= t).toList();
      Map<TileRef, TileState> tiles = buildTiles(aggregator, rollups, known, rnd);
      for (int w = 0; w < 3; w++) {
        long window = tile * (1 + rnd.nextInt((int) (2 * DAY / tile)));
        if (w == 0) {
          window = tile; // the head tile alone
        }
        // a(t) = floor(t / s) * s + s - W, written out here rather than taken from Tiling, so a
        // wrong window start in the code under test cannot move the reference with it
        long from = Math.floorDiv(t, tile) * tile + tile - window;
        Object expected = ReferenceAggregates.compute(f, agg.n(), type, events, from, t);
        Object viaRollups = read(aggregator, rollups, tiles, t, window, rnd);
        Object viaFine = read(aggregator, fineOnly, tiles, t, window, rnd);
        String where = f + " t=" + t + " W=" + window + " s=" + tile;
        assertSame(f, expected, viaRollups, where);
        assertSame(f, expected, viaFine, where);
      }
    }
  }

  @ParameterizedTest(name = "{0}({1}) seed {2}")
  @MethodSource("cases")
  void mergeIsAssociativeAndCommutative(AggregationFunction f, FeatureType type, long seed) {
    Random rnd = new Random(seed);
    Aggregation agg = new Aggregation(column(f), f, Duration.ofDays(1), 4);
    TileAggregator a = TileAggregators.of(agg, type);
    List<Event> events = generate(rnd, type, 1_000_000L, DAY);
    TileState[] parts = {a.empty(), a.empty(), a.empty()};
    for (Event e : events) {
      int i = rnd.nextInt(3);
      parts[i] = a.add(parts[i], e.value(), e.time(), e.seq());
    }
    Object left = a.finish(a.merge(a.merge(copy(a, parts[0]), parts[1]), parts[2]));
    Object right = a.finish(a.merge(copy(a, parts[0]), a.merge(copy(a, parts[1]), parts[2])));
    Object swapped = a.finish(a.merge(a.merge(copy(a, parts[2]), parts[0]), parts[1]));
    Object withEmpty =
        a.finish(a.merge(a.empty(), a.merge(a.merge(copy(a, parts[1]), parts[0]), parts[2])));
    assertSame(f, left, right, "associativity");
    assertSame(f, left, swapped, "commutativity");
    assertSame(f, left, withEmpty, "identity");
    Object direct = ReferenceAggregates.compute(f, 4, type, events, Long.MIN_VALUE, Long.MAX_VALUE);
    assertSame(f, direct, left, "vs reference");
  }

  /** count is tested as count(*), which counts null values too; the rest skip nulls. */
  private static String column(AggregationFunction f) {
    return f == AggregationFunction.COUNT ? "*" : "x";
  }

  private static TileState copy(TileAggregator a, TileState s) {
    return a.decode(a.encode(s));
  }

  private static List<Event> generate(Random rnd, FeatureType type, long base, long span) {
    List<Event> events = new ArrayList<>();
    long seq = 0;
    int n = 150 + rnd.nextInt(250);
    for (int i = 0; i < n; i++) {
      long time = base + (long) (rnd.nextDouble() * span);
      Object value = value(rnd, type);
      int copies = rnd.nextInt(10) == 0 ? 2 : 1; // ~10% duplicates (same seq)
      int sameTime = rnd.nextInt(8) == 0 ? 3 : 1; // bursts of equal timestamps
      for (int k = 0; k < sameTime; k++) {
        long s = seq++;
        Object v = k == 0 ? value : value(rnd, type);
        for (int c = 0; c < copies; c++) {
          events.add(new Event(v, time, s));
        }
      }
      if (rnd.nextInt(20) == 0) {
        events.add(new Event(null, time, seq++)); // null values are skipped (but count(*) counts)
      }
    }
    return events;
  }

  private static Object value(Random rnd, FeatureType type) {
    int v = rnd.nextInt(40) - 10;
    return switch (type.scalar()) {
      case INT64 -> (long) v;
      case FLOAT64 -> v * 1.25 + rnd.nextInt(3) * 0.001;
      case STRING -> "m" + v;
      default -> throw new IllegalArgumentException(type.toString());
    };
  }

  /** Folds events (in arrival order) into every tile of every resolution, like a writer. */
  private static Map<TileRef, TileState> buildTiles(
      TileAggregator a, Tiling tiling, List<Event> arrival, Random rnd) {
    Map<TileRef, TileState> tiles = new HashMap<>();
    for (Event e : arrival) {
      for (TileRef ref : tiling.tilesOf(e.time())) {
        TileState s = tiles.getOrDefault(ref, a.empty());
        s = a.add(s, e.value(), e.time(), e.seq());
        if (rnd.nextInt(4) == 0) {
          s = a.decode(a.encode(s)); // states survive the store round trip at any point
        }
        tiles.put(ref, s);
      }
    }
    return tiles;
  }

  private static Object read(
      TileAggregator a, Tiling tiling, Map<TileRef, TileState> tiles, long t, long w, Random rnd) {
    List<TileRef> cover = new ArrayList<>(tiling.cover(t, w));
    Collections.shuffle(cover, rnd);
    TileState acc = a.empty();
    for (TileRef ref : cover) {
      TileState s = tiles.get(ref);
      if (s != null) {
        acc = a.merge(acc, a.decode(a.encode(s)));
      }
    }
    return a.finish(acc);
  }

  private static void assertSame(
      AggregationFunction f, Object expected, Object actual, String where) {
    if (expected instanceof Double d && actual instanceof Double a) {
      assertThat(a).as(where).isCloseTo(d, within(1e-9 * Math.max(1, Math.abs(d))));
    } else {
      assertThat(actual).as(where).isEqualTo(expected);
    }
  }

  /**
   * An INT64 sum is exact beyond the long range: tiles merged in any order, round-tripped through
   * bytes, give the same state; out of range it finishes as null, back in range as the exact long
   * (session 13 QA pass: Math.addExact threw, which failed the streaming job on every restart).
   */
  @org.junit.jupiter.api.Test
  void integralSumsBeyondTheLongRangeStayExactAndFinishAsNull() {
    TileAggregator sum =
        TileAggregators.of(
            new Aggregation("v", AggregationFunction.SUM, Duration.ofHours(1), 0),
            FeatureType.INT64);
    long[] values = {Long.MAX_VALUE, Long.MAX_VALUE, 7, Long.MIN_VALUE, Long.MIN_VALUE, -3};
    TileState[] tiles = new TileState[values.length];
    for (int i = 0; i < values.length; i++) {
      tiles[i] = sum.decode(sum.encode(sum.add(sum.empty(), values[i], i, i)));
    }
    TileState firstTwo = sum.merge(sum.merge(sum.empty(), tiles[0]), tiles[1]);
    assertThat(sum.finish(firstTwo)).as("2 * Long.MAX_VALUE").isNull();
    assertThat(sum.finish(sum.decode(sum.encode(firstTwo)))).isNull();
    TileState forward = sum.empty();
    for (TileState t : tiles) {
      forward = sum.merge(forward, sum.decode(sum.encode(t)));
    }
    TileState backward = sum.empty();
    for (int i = tiles.length - 1; i >= 0; i--) {
      backward = sum.merge(backward, tiles[i]);
    }
    assertThat(sum.finish(forward)).isEqualTo(2L); // MAX + MAX + 7 + MIN + MIN - 3
    assertThat(sum.encode(forward)).isEqualTo(sum.encode(backward));
    TileState folded = sum.empty();
    for (int i = 0; i < values.length; i++) {
      folded = sum.add(folded, values[i], i, i);
    }
    assertThat(sum.encode(folded)).isEqualTo(sum.encode(forward));
  }
}
