package dev.quiver.online;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.tile.ReferenceAggregates;
import dev.quiver.core.tile.ReferenceAggregates.Event;
import dev.quiver.core.tile.TileAggregator;
import dev.quiver.core.tile.TileRef;
import dev.quiver.core.tile.TileState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@link FeatureReader} over a real store (subclasses: embedded, HBase), fed the way the streaming
 * job feeds it (complete tile states at every resolution, row cells at event time), against {@link
 * ReferenceAggregates} computed from the raw events by the window rule.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class FeatureReaderContract {
  private static final long MIN = 60_000L;
  private static final long DAY = 1440 * MIN;
  private static final JoinKey USER_ID = new JoinKey("user_id", FeatureType.STRING);

  /** An event of the test: user, merchant, amount, time, seq. */
  record Txn(String user, String merchant, Double amount, long time, long seq) {}

  /** The store under test, open for the whole class. */
  protected abstract OnlineStore store();

  private static final FeatureView VIEW =
      FeatureView.builder("txn")
          .entities(List.of("user"))
          .ttl(Duration.ofDays(2))
          .features(
              List.of(
                  Feature.row("merchant", FeatureType.STRING),
                  Feature.row("amount", FeatureType.FLOAT64),
                  agg("txn_count_1h", FeatureType.INT64, "*", AggregationFunction.COUNT, "1h", 0),
                  agg("txn_count_7d", FeatureType.INT64, "*", AggregationFunction.COUNT, "7d", 0),
                  agg(
                      "amount_sum_1d",
                      FeatureType.FLOAT64,
                      "amount",
                      AggregationFunction.SUM,
                      "1d",
                      0),
                  agg(
                      "amount_avg_1d",
                      FeatureType.FLOAT64,
                      "amount",
                      AggregationFunction.AVG,
                      "1d",
                      0),
                  agg(
                      "amount_std_7d",
                      FeatureType.FLOAT64,
                      "amount",
                      AggregationFunction.STDDEV,
                      "7d",
                      0),
                  agg(
                      "amount_max_1d",
                      FeatureType.FLOAT64,
                      "amount",
                      AggregationFunction.MAX,
                      "1d",
                      0),
                  agg(
                      "merchant_last3_1d",
                      FeatureType.arrayOf(FeatureType.Scalar.STRING),
                      "merchant",
                      AggregationFunction.LAST_N,
                      "1d",
                      3),
                  agg(
                      "merchant_distinct_7d",
                      FeatureType.INT64,
                      "merchant",
                      AggregationFunction.COUNT_DISTINCT,
                      "7d",
                      0)))
          .build();
  private static final List<String> ALL = VIEW.features().stream().map(Feature::name).toList();
  private static final Map<String, List<Txn>> EVENTS = new HashMap<>();
  private static long lastEvent;

  private static Feature agg(
      String name, FeatureType t, String col, AggregationFunction f, String w, int n) {
    Duration window = dev.quiver.core.spec.Durations.parse(w).orElseThrow();
    return new Feature(name, t, "", null, new Aggregation(col, f, window, n), Map.of());
  }

  @BeforeAll
  void load() {
    EVENTS.clear();
    lastEvent = 0;
    FeatureWriter writer = new FeatureWriter(store(), VIEW);
    writer.ensureTable();
    Random rnd = new Random(7);
    long end = System.currentTimeMillis() - 30 * MIN;
    long seq = 0;
    for (String user : List.of("u1", "u2", "u3")) {
      List<Txn> txns = new ArrayList<>();
      int n = 150 + rnd.nextInt(100);
      for (int i = 0; i < n; i++) {
        long time = end - (long) (rnd.nextDouble() * 9 * DAY);
        int burst = rnd.nextInt(6) == 0 ? 3 : 1; // equal timestamps
        for (int b = 0; b < burst; b++) {
          txns.add(
              new Txn(
                  user,
                  "m" + rnd.nextInt(6),
                  rnd.nextInt(5) == 0 ? null : rnd.nextInt(100) / 4.0,
                  time,
                  seq++));
        }
      }
      txns.add(new Txn(user, "m-last", 1.0, end - rnd.nextInt(20) * MIN, seq++));
      txns.sort(
          Comparator.comparingLong(Txn::time).thenComparingLong(Txn::seq)); // in-order arrival
      EVENTS.put(user, txns);
      writeLikeTheStreamingJob(writer, user, txns);
      lastEvent = Math.max(lastEvent, txns.get(txns.size() - 1).time());
    }
  }

  /** Folds each event into every tile of every series and resolution, upserting complete states. */
  static void writeLikeTheStreamingJob(FeatureWriter writer, String user, List<Txn> arrival) {
    byte[] key = EntityKeyCodec.encode(USER_ID, user);
    Map<String, TileState> states = new HashMap<>();
    Map<String, Long> maxTs = new HashMap<>();
    List<OnlineWrite> writes = new ArrayList<>();
    for (Txn e : arrival) {
      writes.add(writer.row(key, "merchant", e.merchant(), e.time()));
      writes.add(writer.row(key, "amount", e.amount(), e.time()));
      for (TileRef ref : writer.tiling().tilesOf(e.time())) {
        Map<String, TileState> tile = new LinkedHashMap<>();
        for (Map.Entry<String, TileAggregator> s : writer.series().entrySet()) {
          Object value = s.getKey().contains("merchant") ? e.merchant() : e.amount();
          String id = s.getKey() + ref;
          TileAggregator a = s.getValue();
          TileState st = a.add(states.getOrDefault(id, a.empty()), value, e.time(), e.seq());
          states.put(id, st);
          tile.put(s.getKey(), st);
        }
        long ts = Math.max(maxTs.getOrDefault(ref.toString(), Long.MIN_VALUE), e.time());
        maxTs.put(ref.toString(), ts);
        writes.add(writer.tile(key, ref, tile, ts));
      }
    }
    writer.write(writes).join();
  }

  private FeatureReader readerAt(long now) {
    return new FeatureReader(store(), Clock.fixed(Instant.ofEpochMilli(now), ZoneOffset.UTC));
  }

  private static List<byte[]> keys(String... users) {
    List<byte[]> out = new ArrayList<>();
    for (String u : users) {
      out.add(EntityKeyCodec.encode(USER_ID, u));
    }
    return out;
  }

  /** A row feature whose latest value is null (present), as opposed to no value at all. */
  private static final Object NULL_VALUE = new Object();

  private static Object nullable(Object v) {
    return v == null ? NULL_VALUE : v;
  }

  /** The expected value of a feature for a user at t, from raw events. */
  private static Object expected(String user, Feature f, long t) {
    List<Txn> txns = EVENTS.get(user);
    if (!f.isAggregation()) {
      return txns.stream()
          .filter(e -> e.time() <= t && e.time() > t - VIEW.ttl().toMillis())
          .max(Comparator.comparingLong(Txn::time).thenComparingLong(Txn::seq))
          .map(e -> f.name().equals("merchant") ? (Object) e.merchant() : nullable(e.amount()))
          .orElse(null);
    }
    Aggregation a = f.aggregation();
    long s = VIEW.tileSize().toMillis();
    long from = Math.floorDiv(t, s) * s + s - a.window().toMillis();
    List<Event> events = new ArrayList<>();
    for (Txn e : txns) {
      Object v = a.column().equals("merchant") ? e.merchant() : e.amount();
      events.add(new Event(v, e.time(), e.seq()));
    }
    FeatureType input = a.column().equals("merchant") ? FeatureType.STRING : FeatureType.FLOAT64;
    return ReferenceAggregates.compute(a.function(), a.n(), input, events, from, t);
  }

  private static void assertMatches(String user, EntityFeatures got, long t) {
    assertMatches(user, got, t, "v1");
  }

  private static void assertMatches(String user, EntityFeatures got, long t, String version) {
    for (Feature f : VIEW.features()) {
      Object want = expected(user, f, t);
      FeatureValue v = got.features().get(f.name());
      String where = user + " " + f.name() + " at " + t;
      if (!f.isAggregation() && want == null) {
        assertThat(v).as(where).isNull();
        continue;
      }
      assertThat(v).as(where).isNotNull();
      assertThat(v.version()).isEqualTo(version);
      if (want == NULL_VALUE) {
        assertThat(v.value()).as(where).isNull();
      } else if (want instanceof Double d) {
        assertThat((Double) v.value())
            .as(where)
            .isCloseTo(d, within(1e-9 * Math.max(1, Math.abs(d))));
      } else {
        assertThat(v.value()).as(where).isEqualTo(want);
      }
    }
  }

  @Test
  void nowReadsEqualTheReference() {
    long now = lastEvent + 5 * MIN;
    List<EntityFeatures> got = readerAt(now).read(VIEW, ALL, keys("u1", "u2", "u3"), null).join();
    assertThat(got).hasSize(3);
    for (int i = 0; i < 3; i++) {
      assertThat(got.get(i).status()).isEqualTo(EntityFeatures.Status.OK);
      assertMatches("u" + (i + 1), got.get(i), now);
    }
  }

  /**
   * One reader whose clock moves forward across many tile boundaries (and back): a "now" read
   * reuses the tile plan of the previous read in the same head tile, which must never serve a stale
   * cover.
   */
  @Test
  void oneReaderFollowsItsClockAcrossTiles() {
    long[] now = {0};
    Clock moving =
        new Clock() {
          @Override
          public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public long millis() {
            return now[0];
          }

          @Override
          public Instant instant() {
            return Instant.ofEpochMilli(now[0]);
          }
        };
    FeatureReader reader = new FeatureReader(store(), moving);
    java.util.Random rnd = new java.util.Random(11);
    // A "now" read sees every event stored so far, so it is compared from the last event on.
    long t = lastEvent;
    for (int i = 0; i < 40; i++) {
      // mostly forward by up to ~90 minutes, sometimes back (never before the last event)
      long step = (long) (rnd.nextDouble() * 90 * MIN);
      t = i % 7 == 6 ? Math.max(lastEvent, t - 2 * step) : t + step;
      now[0] = t;
      List<EntityFeatures> got = reader.read(VIEW, ALL, keys("u1", "u2"), null).join();
      for (int k = 0; k < 2; k++) {
        assertMatches("u" + (k + 1), got.get(k), t);
      }
      now[0] = t + 1; // the same head tile, almost always
      assertMatches("u1", reader.read(VIEW, ALL, keys("u1"), null).join().get(0), t + 1);
    }
  }

  @Test
  void inlineReadsEqualTheReferenceWhereTheStoreHasThem() {
    long now = lastEvent + 5 * MIN;
    FeatureReader reader = readerAt(now);
    if (!store().readsInline()) {
      assertThatThrownBy(() -> reader.readInline(VIEW, ALL, keys("u1"), null))
          .isInstanceOf(UnsupportedOperationException.class);
      return;
    }
    List<EntityFeatures> got = reader.readInline(VIEW, ALL, keys("u1", "u2", "u3"), null);
    assertThat(got).hasSize(3);
    for (int i = 0; i < 3; i++) {
      assertThat(got.get(i).status()).isEqualTo(EntityFeatures.Status.OK);
      assertMatches("u" + (i + 1), got.get(i), now);
    }
    long t = lastEvent - 3 * 60 * MIN;
    List<EntityFeatures> asOf = reader.readInline(VIEW, ALL, keys("u1", "u2"), t);
    assertMatches("u1", asOf.get(0), t);
    assertMatches("u2", asOf.get(1), t);
  }

  /**
   * The allocation-lean inline path ({@link FeatureReader#readInlineRows}, the lookup server's
   * single-key reads) against the reference and against {@link FeatureReader#readInline}: row
   * features in any order and with repeats, an unknown key, and times on both sides of each user's
   * TTL boundary (a value exactly ttl old has expired).
   */
  @Test
  void inlineRowReadsEqualTheReferenceAndTheInlineReads() {
    List<List<String>> lists =
        List.of(List.of("merchant", "amount"), List.of("amount", "merchant", "amount"));
    FeatureReader.ValueFactory<Object[]> pair = (v, ts) -> new Object[] {v, ts};
    if (!store().readsInline()) {
      assertThatThrownBy(
              () ->
                  readerAt(lastEvent)
                      .readInlineRows(
                          VIEW, lists.get(0), keys("u1"), pair, Object[][]::new, new Object[1][][]))
          .isInstanceOf(UnsupportedOperationException.class);
      return;
    }
    List<Long> times = new ArrayList<>(List.of(lastEvent + 5 * MIN, lastEvent + 3 * DAY));
    for (String u : List.of("u1", "u2", "u3")) {
      long last = EVENTS.get(u).get(EVENTS.get(u).size() - 1).time();
      long ttl = VIEW.ttl().toMillis();
      times.addAll(List.of(last + ttl - 1, last + ttl, last + ttl + 1));
    }
    int served = 0;
    int absent = 0;
    for (long t : times) {
      FeatureReader reader = readerAt(t);
      for (List<String> names : lists) {
        List<String> users = List.of("u1", "nobody", "u2", "u3");
        Object[][][] got = new Object[users.size()][][];
        assertThat(
                reader.readInlineRows(
                    VIEW, names, keys(users.toArray(String[]::new)), pair, Object[][]::new, got))
            .isTrue();
        List<EntityFeatures> inline =
            reader.readInline(VIEW, names, keys(users.toArray(String[]::new)), null);
        for (int k = 0; k < users.size(); k++) {
          assertThat(got[k].length).isEqualTo(names.size());
          for (int i = 0; i < names.size(); i++) {
            String where = users.get(k) + " " + names.get(i) + " at " + t;
            Object want =
                users.get(k).equals("nobody")
                    ? null
                    : expected(users.get(k), VIEW.feature(names.get(i)).orElseThrow(), t);
            FeatureValue viaInline = inline.get(k).features().get(names.get(i));
            if (want == null || want == NULL_VALUE) {
              assertThat(got[k][i]).as(where).isNull();
              assertThat(viaInline == null || viaInline.value() == null).as(where).isTrue();
              absent++;
            } else {
              assertThat(got[k][i]).as(where).isNotNull();
              assertThat(got[k][i][0]).as(where).isEqualTo(want);
              assertThat(got[k][i][0]).as(where).isEqualTo(viaInline.value());
              assertThat(got[k][i][1]).as(where).isEqualTo(viaInline.ts());
              served++;
            }
          }
        }
      }
    }
    assertThat(served).isGreaterThan(20);
    assertThat(absent).isGreaterThan(20);
    // A feature list with a window aggregation does not qualify: nothing is read.
    Object[][][] untouched = new Object[1][][];
    assertThat(
            readerAt(lastEvent)
                .readInlineRows(
                    VIEW,
                    List.of("merchant", "txn_count_1h"),
                    keys("u1"),
                    pair,
                    Object[][]::new,
                    untouched))
        .isFalse();
    assertThat(untouched[0]).isNull();
  }

  @Test
  void asOfReadsEqualTheReferenceAndNeverSeeLaterEvents() {
    Random rnd = new Random(11);
    FeatureReader reader = readerAt(lastEvent + MIN);
    for (int i = 0; i < 25; i++) {
      // as_of reaches back as far as the store holds the window's tiles: store ttl (8d5m) - 7d
      long t = lastEvent - (long) (rnd.nextDouble() * 20 * 60 * MIN);
      if (i == 0) {
        t =
            EVENTS
                .get("u2")
                .get(EVENTS.get("u2").size() - 20)
                .time(); // exactly at an event: the end is inclusive
      }
      List<EntityFeatures> got = reader.read(VIEW, ALL, keys("u1", "u2"), t).join();
      assertMatches("u1", got.get(0), t);
      assertMatches("u2", got.get(1), t);
    }
    // 1 ms before an event: that event is not seen yet (a read at t + 1 passed the loop above)
    for (int back : new int[] {20, 9, 1}) {
      for (int u = 0; u < 2; u++) {
        String user = u == 0 ? "u1" : "u2";
        long t = EVENTS.get(user).get(EVENTS.get(user).size() - back).time() - 1;
        List<EntityFeatures> got = reader.read(VIEW, ALL, keys("u1", "u2"), t).join();
        assertMatches("u1", got.get(0), t);
        assertMatches("u2", got.get(1), t);
      }
    }
  }

  @Test
  void windowsDecayWhenNothingHappens() {
    long later = lastEvent + 8 * DAY;
    EntityFeatures got =
        readerAt(later)
            .read(
                VIEW,
                List.of("txn_count_7d", "amount_sum_1d", "amount_avg_1d", "merchant_last3_1d"),
                keys("u1"),
                null)
            .join()
            .get(0);
    assertThat(got.features().get("txn_count_7d").value()).isEqualTo(0L);
    assertThat(got.features().get("txn_count_7d").ts()).isNull();
    assertThat(got.features().get("amount_sum_1d").value()).isEqualTo(0.0);
    assertThat(got.features().get("amount_avg_1d").value()).isNull();
    assertThat(got.features().get("merchant_last3_1d").value()).isEqualTo(List.of());
    // and the same key read at the last event still counts its week
    Object weekAtEnd =
        readerAt(lastEvent)
            .read(VIEW, List.of("txn_count_7d"), keys("u1"), null)
            .join()
            .get(0)
            .features()
            .get("txn_count_7d")
            .value();
    assertThat(weekAtEnd)
        .isEqualTo(expected("u1", VIEW.feature("txn_count_7d").orElseThrow(), lastEvent));
  }

  @Test
  void rowFeaturesPastTheTtlAreNeverServedAsCurrent() {
    long later = lastEvent + 3 * DAY; // ttl is 2d
    EntityFeatures got =
        readerAt(later)
            .read(VIEW, List.of("merchant", "txn_count_7d"), keys("u3"), null)
            .join()
            .get(0);
    assertThat(got.features()).doesNotContainKey("merchant");
    assertThat(got.status()).isEqualTo(EntityFeatures.Status.PARTIAL);
    assertThat(got.features().get("txn_count_7d").value())
        .isEqualTo(expected("u3", VIEW.feature("txn_count_7d").orElseThrow(), later));
  }

  @Test
  void unknownKeysAreNotFoundAndOthersInTheBatchAreServed() {
    List<EntityFeatures> got =
        readerAt(lastEvent)
            .read(VIEW, List.of("merchant", "txn_count_1h"), keys("nobody", "u1"), null)
            .join();
    assertThat(got.get(0).status()).isEqualTo(EntityFeatures.Status.NOT_FOUND);
    assertThat(got.get(0).features()).doesNotContainKey("merchant");
    assertThat(got.get(1).status()).isEqualTo(EntityFeatures.Status.OK);
  }

  @Test
  void lateOutOfOrderArrivalNeverOvercountsAnAsOfRead() {
    FeatureView late = VIEW.withVersion(dev.quiver.core.spec.Version.of(2));
    FeatureWriter writer = new FeatureWriter(store(), late);
    writer.ensureTable();
    List<Txn> shuffled = new ArrayList<>(EVENTS.get("u1"));
    Collections.shuffle(shuffled, new Random(3));
    writeLikeTheStreamingJob(writer, "u1", shuffled);
    FeatureReader reader = readerAt(lastEvent + MIN);
    Feature count = VIEW.feature("txn_count_1h").orElseThrow();
    List<Txn> recent =
        EVENTS.get("u1").subList(EVENTS.get("u1").size() - 60, EVENTS.get("u1").size());
    for (Txn e : recent) {
      long t = e.time() + 1;
      Object got =
          reader
              .read(late, List.of(count.name()), keys("u1"), t)
              .join()
              .get(0)
              .features()
              .get(count.name())
              .value();
      assertThat((Long) got).isLessThanOrEqualTo((Long) expected("u1", count, t));
    }
    // a now read is exact whatever the arrival order
    long now = lastEvent + MIN;
    assertMatches("u1", reader.read(late, ALL, keys("u1"), null).join().get(0), now, "v2");
  }

  @Test
  void asOfFarBeyondEveryEventAnswersAndReturns() {
    // Any epoch millis is a valid as_of; until session 9 one near Long.MAX_VALUE never returned
    // and one before 1970 failed (a store read takes asOf >= 0).
    FeatureReader reader = readerAt(lastEvent + MIN);
    for (long t : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - 1, Long.MIN_VALUE, -1L << 62, -1}) {
      List<EntityFeatures> got =
          org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
              java.time.Duration.ofSeconds(20),
              () -> reader.read(VIEW, ALL, keys("u1"), t).join(),
              "as_of " + t);
      // nothing is that old, and everything is past its TTL or out of the window that late
      assertThat(got.get(0).features().get("txn_count_7d").value()).as("as_of %d", t).isEqualTo(0L);
      assertThat(got.get(0).features()).as("as_of %d", t).doesNotContainKey("merchant");
      if (store().readsInline()) {
        assertThat(reader.readInline(VIEW, ALL, keys("u1"), t).get(0).features())
            .doesNotContainKey("merchant");
      }
    }
  }

  @Test
  void aViewNeverMaterializedHoldsNothing() {
    // Registered but no table yet (no job has run): NOT_FOUND, not a failed read (a failure made
    // the lookup server answer STALE and open its circuit breaker for every view).
    FeatureView unmaterialized = VIEW.withVersion(dev.quiver.core.spec.Version.of(9));
    FeatureReader reader = readerAt(lastEvent + MIN);
    for (Long t : java.util.Arrays.asList(null, lastEvent)) {
      List<EntityFeatures> got = reader.read(unmaterialized, ALL, keys("u1", "u2"), t).join();
      assertThat(got)
          .extracting(EntityFeatures::status)
          .containsOnly(EntityFeatures.Status.NOT_FOUND);
      assertThat(got.get(0).features().get("txn_count_7d").value()).isEqualTo(0L);
      if (store().readsInline()) {
        assertThat(reader.readInline(unmaterialized, ALL, keys("u1"), t).get(0).status())
            .isEqualTo(EntityFeatures.Status.NOT_FOUND);
      }
    }
    if (store().readsInline()) {
      String[][] rows = new String[1][];
      assertThat(
              reader.readInlineRows(
                  unmaterialized,
                  List.of("merchant"),
                  keys("u1"),
                  (v, ts) -> String.valueOf(v),
                  String[]::new,
                  rows))
          .isTrue();
      assertThat(rows[0]).containsOnlyNulls();
    }
  }

  @Test
  void unknownFeaturesAreNamed() {
    assertThatThrownBy(() -> readerAt(0).read(VIEW, List.of("txn_cnt_7d"), keys("u1"), null))
        .hasMessage("unknown feature 'txn_cnt_7d' in view default.txn:v1 (known: " + ALL + ")");
  }
}
