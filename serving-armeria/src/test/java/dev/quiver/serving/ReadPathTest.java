package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.ViewRecord;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.ViewStatus;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The near cache and last-known-good of {@link ReadPath} and {@link StoreGuard}, which share one
 * {@link KeyCache} entry per key, against a plain reference model on a generated sequence of writes
 * (same-timestamp rewrites with a new value, out-of-order and duplicate events), reads of single
 * keys and batches, and store outages. The source is the in-memory fake (a unit test: no store).
 */
class ReadPathTest {
  private static final Duration TTL = Duration.ofDays(1);
  private static final List<String> FEATURES = List.of("a", "b");
  private static final long LONG = TimeUnit.SECONDS.toNanos(30);

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ServingMetrics metrics = new ServingMetrics(registry);
  private final InMemoryFeatureSource source = new InMemoryFeatureSource();
  private final FeatureView view =
      FeatureView.builder("user_activity")
          .version(dev.quiver.core.spec.Version.of(1))
          .entities(List.of("user"))
          .features(
              List.of(Feature.row("a", FeatureType.INT64), Feature.row("b", FeatureType.FLOAT64)))
          .ttl(TTL)
          .status(ViewStatus.ACTIVE)
          .build();
  private final ViewRecord record =
      new ViewRecord("view-1", view, Instant.EPOCH, "test", null, "sum", List.of());

  private LookupPlan.ViewRead read(long maxStalenessNanos, long ttlMillis) {
    return new LookupPlan.ViewRead(
        record,
        Entity.implicit("default", "user").joinKeys(),
        List.copyOf(FEATURES), // a new list instance per read: shapes must still match
        "v1",
        maxStalenessNanos,
        ttlMillis);
  }

  private ReadPath path(Map<String, String> conf) {
    Map<String, String> c = new HashMap<>(conf);
    c.putIfAbsent("server.breaker.minimum-requests", "1000000"); // the breaker stays closed here
    ServerOptions opts = ServerOptions.from(QuiverConfig.of(c).validate(ServerOptions.ALL));
    return new ReadPath(new StoreGuard(source, opts, metrics), opts, metrics);
  }

  private static KeyResult[] get(
      ReadPath p, LookupPlan.ViewRead r, List<String> keys, Instant asOf, boolean strong) {
    List<List<Object>> ks = new ArrayList<>();
    keys.forEach(k -> ks.add(List.of(k)));
    return p.read(r, ks, asOf, strong, LONG, null).join();
  }

  private double count(String name, String... tags) {
    var c = registry.find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  /**
   * Model: a cached read answers the values of the last successful store read of that key (of now);
   * an uncached one the store's current values; with the store down every key answers STALE with
   * the last successful read's values, or nulls if it was never read.
   */
  @Test
  void nearCacheAndLastKnownGoodMatchAReferenceModel() {
    ReadPath p = path(Map.of());
    LookupPlan.ViewRead cached = read(TimeUnit.HOURS.toNanos(1), TTL.toMillis());
    LookupPlan.ViewRead uncached = read(0, TTL.toMillis());
    Random rnd = new Random(7);
    List<String> keys = List.of("u1", "u2", "u3", "u4", "u5", "u6");
    Map<String, Object[]> current = new HashMap<>(); // the model of the store: key -> [a, b] values
    Map<String, long[]> currentTs = new HashMap<>();
    Map<String, FeatureValue[]> lastRead = new HashMap<>(); // the model of the cache
    long base = System.currentTimeMillis() - 60_000;
    for (int step = 0; step < 3000; step++) {
      int op = rnd.nextInt(10);
      String key = keys.get(rnd.nextInt(keys.size()));
      if (op < 4) {
        int f = rnd.nextInt(2);
        long[] ts =
            currentTs.computeIfAbsent(key, k -> new long[] {Long.MIN_VALUE, Long.MIN_VALUE});
        // same timestamp as the newest (a rewrite), older (late), or newer
        long t =
            ts[f] == Long.MIN_VALUE
                ? base
                : switch (rnd.nextInt(3)) {
                  case 0 -> ts[f];
                  case 1 -> ts[f] - 1 - rnd.nextInt(5);
                  default -> ts[f] + 1 + rnd.nextInt(5);
                };
        Object v = f == 0 ? (Object) (long) rnd.nextInt(4) : (Object) (double) rnd.nextInt(4);
        source.write(view, List.of(key), FEATURES.get(f), t, v);
        if (t >= ts[f]) { // the newest event wins; a rewrite at the same time replaces the value
          ts[f] = t;
          current.computeIfAbsent(key, k -> new Object[2])[f] = v;
        }
      } else if (op == 4) {
        source.down = !source.down;
      } else {
        boolean batch = op >= 8;
        List<String> ks = batch ? keys : List.of(key);
        boolean useCache = op % 2 == 0;
        KeyResult[] got = get(p, useCache ? cached : uncached, ks, null, false);
        for (int i = 0; i < ks.size(); i++) {
          String k = ks.get(i);
          FeatureValue[] storeNow = storeValues(current.get(k), currentTs.get(k));
          FeatureValue[] want;
          boolean stale;
          if (source.down && !(useCache && lastRead.containsKey(k))) {
            want = lastRead.getOrDefault(k, new FeatureValue[2]);
            stale = true;
          } else if (useCache && lastRead.containsKey(k)) {
            want = lastRead.get(k);
            stale = false;
          } else {
            want = storeNow;
            stale = false;
            lastRead.put(k, storeNow);
          }
          assertThat(got[i].stale()).as("step %d key %s stale", step, k).isEqualTo(stale);
          assertThat(got[i].values()).as("step %d key %s values", step, k).containsExactly(want);
        }
      }
    }
    assertThat(count("quiver.cache.requests", "result", "hit")).isPositive();
    assertThat(count("quiver.lkg.served")).isPositive();
  }

  private static FeatureValue[] storeValues(Object[] values, long[] ts) {
    FeatureValue[] out = new FeatureValue[2];
    for (int f = 0; values != null && f < 2; f++) {
      if (values[f] != null) {
        out[f] = new FeatureValue(values[f], ts[f]);
      }
    }
    return out;
  }

  @Test
  void cachedValuesLiveOnlyTheViewsMaxStaleness() throws Exception {
    ReadPath p = path(Map.of());
    // Generous bounds: consecutive calls must land within it on a loaded 2-core machine.
    LookupPlan.ViewRead r = read(TimeUnit.MILLISECONDS.toNanos(1000), TTL.toMillis());
    long ts = System.currentTimeMillis() - 1000;
    source.write(view, List.of("u1"), "a", ts, 1L);
    assertThat(get(p, r, List.of("u1"), null, false)[0].values()[0].value()).isEqualTo(1L);
    source.write(view, List.of("u1"), "a", ts + 1, 2L);
    // (within the bound, the first read's entry answers)
    assertThat(get(p, r, List.of("u1"), null, false)[0].values()[0].value())
        .as("within the staleness bound: the cached value")
        .isEqualTo(1L);
    assertThat(get(p, r, List.of("u1"), null, true)[0].values()[0].value())
        .as("consistency strong: the store")
        .isEqualTo(2L);
    source.write(view, List.of("u1"), "a", ts + 2, 3L);
    Thread.sleep(1100);
    assertThat(get(p, r, List.of("u1"), null, false)[0].values()[0].value())
        .as("past the staleness bound: the store")
        .isEqualTo(3L);
    long reads = source.reads.get();
    assertThat(get(p, r, List.of("u1"), null, false)[0].values()[0].value()).isEqualTo(3L);
    assertThat(source.reads.get()).as("a fresh entry costs no store read").isEqualTo(reads);
  }

  @Test
  void lastKnownGoodKeepsTrueTimesDropsExpiredValuesAndAnswersAsOf() throws Exception {
    ReadPath p = path(Map.of());
    long ttlMillis = 5000;
    LookupPlan.ViewRead r = read(0, ttlMillis);
    long now = System.currentTimeMillis();
    source.write(view, List.of("u1"), "a", now - 100, 5L); // expires at now + 4.9 s
    source.write(view, List.of("u1"), "b", now - 3500, 1.5); // expires at now + 1.5 s
    KeyResult ok = get(p, r, List.of("u1"), null, false)[0];
    assertThat(ok.stale()).isFalse();
    source.down = true;
    KeyResult stale = get(p, r, List.of("u1"), null, false)[0];
    assertThat(stale.stale()).isTrue();
    assertThat(stale.values()).containsExactly(ok.values()); // the true ts, not the time served
    KeyResult past = get(p, r, List.of("u1"), Instant.ofEpochMilli(now - 200), false)[0];
    assertThat(past.stale()).isTrue();
    assertThat(past.values())
        .as("as_of: nothing newer than as_of")
        .containsExactly(null, ok.values()[1]);
    Thread.sleep(Math.max(0, now + 2000 - System.currentTimeMillis()));
    KeyResult later = get(p, r, List.of("u1"), null, false)[0];
    assertThat(later.values())
        .as("past the TTL a last-known-good value is dropped, never served")
        .containsExactly(ok.values()[0], null);
  }

  @Test
  void lastKnownGoodCanBeTurnedOffWhileTheNearCacheStays() {
    ReadPath p = path(Map.of("server.lkg.max-entries", "0"));
    LookupPlan.ViewRead r = read(TimeUnit.HOURS.toNanos(1), TTL.toMillis());
    source.write(view, List.of("u1"), "a", System.currentTimeMillis() - 1000, 1L);
    get(p, r, List.of("u1"), null, false);
    assertThat(get(p, r, List.of("u1"), null, false)[0].values()[0].value()).isEqualTo(1L);
    source.down = true;
    assertThat(get(p, r, List.of("u1"), null, false)[0].stale()).isFalse(); // near cache
    KeyResult strong = get(p, r, List.of("u1"), null, true)[0];
    assertThat(strong.stale()).isTrue();
    assertThat(strong.values()).containsOnlyNulls();
  }

  @Test
  void concurrentReadsOfOneKeyShareOneStoreReadAndNeverWaitPastTheirDeadline() {
    ReadPath p = path(Map.of());
    LookupPlan.ViewRead r = read(0, TTL.toMillis());
    source.write(view, List.of("u1"), "a", System.currentTimeMillis() - 1000, 1L);
    get(p, r, List.of("u1"), null, false); // a last-known-good value
    source.write(view, List.of("u1"), "a", System.currentTimeMillis() - 500, 2L);
    source.delayMillis = 400;
    long reads = source.reads.get();
    CompletableFuture<KeyResult[]> first =
        p.read(r, List.of(List.of("u1")), null, false, TimeUnit.SECONDS.toNanos(5), null);
    CompletableFuture<KeyResult[]> second =
        p.read(r, List.of(List.of("u1")), null, false, TimeUnit.SECONDS.toNanos(5), null);
    long t0 = System.nanoTime();
    KeyResult impatient =
        p.read(r, List.of(List.of("u1")), null, false, TimeUnit.MILLISECONDS.toNanos(50), null)
            .join()[0];
    assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.MILLISECONDS.toNanos(350));
    assertThat(impatient.stale()).isTrue();
    assertThat(impatient.values()[0].value()).as("last-known-good, not nulls").isEqualTo(1L);
    assertThat(first.join()[0].values()[0].value()).isEqualTo(2L);
    assertThat(second.join()[0].values()[0].value()).isEqualTo(2L);
    assertThat(source.reads.get()).isEqualTo(reads + 1);
    assertThat(count("quiver.coalesced.reads")).isEqualTo(2);
  }

  /**
   * A key named several times in one batch (a ranking request with repeated items) is read once and
   * answered at every position. Before, each copy probed the near cache (a miss each) and, with
   * coalescing on, joined its own batch's read as a "coalesced read", so {@code
   * quiver_coalesced_reads_total} and the cache hit ratio moved with the client's duplicates rather
   * than with concurrent traffic; with coalescing off, every copy was read from the store.
   */
  @Test
  void aKeyRepeatedInABatchIsReadOnceAndAnsweredAtEveryPosition() {
    for (String coalescing : List.of("true", "false")) {
      ReadPath p = path(Map.of("server.coalescing.enabled", coalescing));
      LookupPlan.ViewRead r = read(TimeUnit.HOURS.toNanos(1), TTL.toMillis());
      long ts = System.currentTimeMillis() - 1000;
      source.write(view, List.of("u1"), "a", ts, 1L);
      source.write(view, List.of("u2"), "a", ts, 2L);
      long keysBefore = source.keysRead.get();
      double coalescedBefore = count("quiver.coalesced.reads");
      double missesBefore = count("quiver.cache.requests", "result", "miss");
      KeyResult[] out = get(p, r, List.of("u1", "u1", "u2", "u1", "u2"), null, false);
      assertThat(Arrays.stream(out).map(k -> k.values()[0].value()).toList())
          .as("coalescing " + coalescing)
          .containsExactly(1L, 1L, 2L, 1L, 2L);
      assertThat(source.keysRead.get() - keysBefore).as("coalescing " + coalescing).isEqualTo(2);
      assertThat(count("quiver.coalesced.reads") - coalescedBefore).isZero();
      assertThat(count("quiver.cache.requests", "result", "miss") - missesBefore).isEqualTo(2);
    }
  }

  @Test
  void readKeysOfEqualShapesAreEqualAndDifferentKeysAreNot() {
    ReadKey.Shape s1 = new ReadKey.Shape("v", List.of("a", "b"));
    ReadKey.Shape s2 = new ReadKey.Shape("v", new ArrayList<>(Arrays.asList("a", "b")));
    assertThat(new ReadKey(s1, List.of("u1"), null))
        .isEqualTo(new ReadKey(s2, List.of("u1"), null));
    assertThat(new ReadKey(s1, List.of("u1"), null).hashCode())
        .isEqualTo(new ReadKey(s2, List.of("u1"), null).hashCode());
    assertThat(new ReadKey(s1, List.of("u1"), null))
        .isNotEqualTo(new ReadKey(s1, List.of("u2"), null));
    assertThat(new ReadKey(s1, List.of("u1", "x"), null))
        .isNotEqualTo(new ReadKey(s1, List.of("u1"), null));
    assertThat(new ReadKey(s1, List.of("u1"), Instant.EPOCH))
        .isNotEqualTo(new ReadKey(s1, List.of("u1"), null))
        .extracting(ReadKey::withoutAsOf)
        .isEqualTo(new ReadKey(s1, List.of("u1"), null));
    assertThat(new ReadKey(s1, List.of("u1"), null))
        .isNotEqualTo(new ReadKey(new ReadKey.Shape("v", List.of("a")), List.of("u1"), null));
  }
}
