package dev.quiver.serving;

import io.netty.util.concurrent.EventExecutor;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The per-key read path of a lookup: near cache → coalescing → {@link StoreGuard} (breaker,
 * deadline, last-known-good). Hot keys (FR-016) are absorbed here: a key read by many concurrent
 * requests costs one store read (coalescing), and repeated reads within a view's max staleness are
 * answered from memory (near cache). Requests with {@code consistency: strong} or {@code as_of}
 * bypass both. The near cache is the guard's {@link KeyCache}: the one probe per key made here
 * serves the near-cache check and, handed to the guard, its last-known-good update. Never blocks;
 * runs on the event loop that received the request.
 */
final class ReadPath {
  private static final int MAX_SHAPES = 10_000;
  private final StoreGuard guard;
  private final KeyCache cache;
  private final ServingMetrics metrics;
  private final boolean coalescing;
  private final boolean nearCache;
  private final ConcurrentHashMap<ReadKey, CompletableFuture<KeyResult>> inflight =
      new ConcurrentHashMap<>();
  // One ReadKey.Shape per (view version, features), so that cache keys compare it by identity.
  private final ConcurrentHashMap<ReadKey.Shape, ReadKey.Shape> shapes = new ConcurrentHashMap<>();

  ReadPath(StoreGuard guard, ServerOptions options, ServingMetrics metrics) {
    this.guard = guard;
    this.cache = guard.cache();
    this.metrics = metrics;
    this.coalescing = options.coalescing();
    this.nearCache = options.cacheMaxEntries() > 0;
  }

  /**
   * Whether the last store read of {@code read}'s view found it never materialized (see {@link
   * FeatureSource#unmaterialized}).
   */
  boolean unmaterialized(LookupPlan.ViewRead read) {
    return guard.unmaterialized(read.record().view());
  }

  /** The last view read's shape: a plan's reads are reused until the plan is refreshed. */
  private record LastShape(LookupPlan.ViewRead read, ReadKey.Shape shape) {}

  private volatile LastShape lastShape;

  private ReadKey.Shape shape(LookupPlan.ViewRead read) {
    LastShape last = lastShape;
    if (last != null && last.read() == read) {
      return last.shape(); // the common case: one allocation-free identity check
    }
    ReadKey.Shape s = sharedShape(read);
    lastShape = new LastShape(read, s);
    return s;
  }

  private ReadKey.Shape sharedShape(LookupPlan.ViewRead read) {
    ReadKey.Shape s = new ReadKey.Shape(read.id(), read.features());
    ReadKey.Shape known = shapes.get(s);
    if (known != null) {
      return known;
    }
    if (shapes.size() >= MAX_SHAPES) {
      shapes.clear(); // many feature lists (a client varying them): shapes still compare equal
    }
    known = shapes.putIfAbsent(s, s);
    return known != null ? known : s;
  }

  /**
   * Reads one view version for every key, within {@code timeoutNanos}. The future never fails: a
   * store failure yields stale last-known-good results.
   *
   * @param timer the request's event loop (times the store read, see {@link StoreGuard#fetch}), or
   *     null
   */
  CompletableFuture<KeyResult[]> read(
      LookupPlan.ViewRead read,
      List<List<Object>> keys,
      Instant asOf,
      boolean strong,
      long timeoutNanos,
      EventExecutor timer) {
    int[] distinctIndex = keys.size() > 1 ? distinctIndex(keys) : null;
    if (distinctIndex == null) {
      return readDistinct(read, keys, asOf, strong, timeoutNanos, timer);
    }
    // A key named several times (a ranking request with repeated items) is read, probed and
    // counted once, then answered at each of its positions: each copy was a near-cache miss and,
    // with coalescing on, a "coalesced read" of its own batch's read, so the hot-key meters moved
    // with a client's duplicates; with coalescing off every copy was read from the store.
    List<List<Object>> distinct = new ArrayList<>();
    for (int i = 0; i < distinctIndex.length; i++) {
      if (distinctIndex[i] == distinct.size()) {
        distinct.add(keys.get(i));
      }
    }
    return readDistinct(read, distinct, asOf, strong, timeoutNanos, timer)
        .thenApply(
            results -> {
              KeyResult[] out = new KeyResult[distinctIndex.length];
              for (int i = 0; i < out.length; i++) {
                out[i] = results[distinctIndex[i]];
              }
              return out;
            });
  }

  /**
   * For each key, the index of its first occurrence among the distinct keys (in order of first
   * occurrence), or null when the keys are all distinct.
   */
  static int[] distinctIndex(List<List<Object>> keys) {
    HashMap<List<Object>, Integer> first = new HashMap<>(keys.size() * 2);
    int[] index = new int[keys.size()];
    boolean repeated = false;
    for (int i = 0; i < index.length; i++) {
      Integer at = first.putIfAbsent(keys.get(i), first.size());
      repeated |= at != null;
      index[i] = at != null ? at : first.size() - 1;
    }
    return repeated ? index : null;
  }

  private CompletableFuture<KeyResult[]> readDistinct(
      LookupPlan.ViewRead read,
      List<List<Object>> keys,
      Instant asOf,
      boolean strong,
      long timeoutNanos,
      EventExecutor timer) {
    int n = keys.size();
    KeyResult[] out = new KeyResult[n];
    long staleness = read.maxStalenessNanos();
    boolean cacheable = nearCache && asOf == null && !strong && staleness > 0;
    // An inline read completes before this method returns, so there is no in-flight read for
    // others to join; coalescing would only add bookkeeping.
    boolean coalesce = coalescing && !strong && !guard.readsInline(n);
    ReadKey.Shape shape = shape(read);
    long now = System.nanoTime();
    List<ReadKey> fetchKeys = null;
    List<List<Object>> fetchRaw = null;
    KeyCache.Entry[] fetchEntries = null;
    List<CompletableFuture<KeyResult>> fetchFutures = null;
    int[] fetchIdx = null;
    int fetchCount = 0;
    List<CompletableFuture<KeyResult>> waits = null;
    List<ReadKey> waitKeys = null;
    int[] waitIdx = null;
    int waitCount = 0;
    long nowMillis = 0;
    for (int i = 0; i < n; i++) {
      ReadKey rk = new ReadKey(shape, keys.get(i), asOf);
      // One probe: the near-cache check, and the entry a successful read updates (last-known-good).
      // A read that cannot be served from the cache does not count as an access.
      KeyCache.Entry entry = asOf != null ? null : cacheable ? cache.get(rk) : cache.getQuietly(rk);
      if (cacheable) {
        if (entry != null && entry.freshAt(now, staleness)) {
          metrics.cacheHit();
          if (nowMillis == 0) {
            nowMillis = System.currentTimeMillis();
          }
          out[i] = new KeyResult(StoreGuard.withinTtl(entry.values(), read, nowMillis), false);
          continue;
        }
        metrics.cacheMiss();
      }
      CompletableFuture<KeyResult> mine = null;
      if (coalesce) {
        mine = new CompletableFuture<>();
        CompletableFuture<KeyResult> existing = inflight.putIfAbsent(rk, mine);
        if (existing != null) {
          metrics.coalesced();
          if (waits == null) {
            waits = new ArrayList<>();
            waitKeys = new ArrayList<>();
            waitIdx = new int[n];
          }
          // Never wait past this request's own deadline for someone else's read.
          waits.add(existing.copy().completeOnTimeout(null, timeoutNanos, TimeUnit.NANOSECONDS));
          waitKeys.add(rk);
          waitIdx[waitCount++] = i;
          continue;
        }
      }
      if (fetchKeys == null) {
        fetchKeys = new ArrayList<>(n - i);
        fetchRaw = new ArrayList<>(n - i);
        fetchEntries = new KeyCache.Entry[n - i];
        fetchFutures = coalesce ? new ArrayList<>(n - i) : null;
        fetchIdx = new int[n];
      }
      fetchKeys.add(rk);
      fetchRaw.add(keys.get(i));
      fetchEntries[fetchCount] = entry;
      if (coalesce) {
        fetchFutures.add(mine);
      }
      fetchIdx[fetchCount++] = i;
    }
    if (fetchCount == 0 && waitCount == 0) {
      return CompletableFuture.completedFuture(out);
    }
    CompletableFuture<?> fetched = CompletableFuture.completedFuture(null);
    if (fetchCount > 0) {
      final List<ReadKey> fk = fetchKeys;
      final List<CompletableFuture<KeyResult>> ff = fetchFutures;
      final int[] fi = fetchIdx;
      fetched =
          guard
              .fetch(read, fk, fetchEntries, fetchRaw, asOf, timeoutNanos, timer)
              .thenAccept(
                  results -> {
                    for (int j = 0; j < results.length; j++) {
                      KeyResult r = results[j];
                      out[fi[j]] = r;
                      if (ff != null) {
                        inflight.remove(fk.get(j), ff.get(j));
                        // A stale result may only mean that this request's own deadline passed
                        // (timeout_ms is the client's choice): requests that joined the read
                        // then read again within theirs instead of taking this fallback.
                        ff.get(j).complete(r.stale() ? GAVE_UP : r);
                      }
                    }
                  });
    }
    if (waitCount == 0) {
      return fetched.isDone() && !fetched.isCompletedExceptionally()
          ? CompletableFuture.completedFuture(out)
          : fetched.thenApply(v -> out);
    }
    final List<CompletableFuture<KeyResult>> w = waits;
    final List<ReadKey> wk = waitKeys;
    final int[] wi = waitIdx;
    final int wc = waitCount;
    CompletableFuture<?> waited = CompletableFuture.allOf(w.toArray(new CompletableFuture[0]));
    long deadline = now + timeoutNanos;
    return fetched
        .thenCombine(
            waited,
            (a, b) -> {
              long ref = 0;
              List<Integer> again = null;
              for (int j = 0; j < wc; j++) {
                KeyResult r = w.get(j).join();
                if (r == GAVE_UP && deadline - System.nanoTime() > 0) {
                  if (again == null) {
                    again = new ArrayList<>();
                  }
                  again.add(j);
                  continue;
                }
                if (r == null || r == GAVE_UP) {
                  // The shared read outlived our deadline: answer as the store being slow.
                  if (ref == 0) {
                    ref = asOf == null ? System.currentTimeMillis() : asOf.toEpochMilli();
                  }
                  r = guard.lastKnownGood(read, wk.get(j), null, ref);
                }
                out[wi[j]] = r;
              }
              return again;
            })
        .thenCompose(
            again -> {
              if (again == null) {
                return CompletableFuture.completedFuture(out);
              }
              // The read we joined ended STALE for its own request (its deadline, or the store):
              // read these keys again within what is left of our deadline, through the same path,
              // so that the requests it left share one new read (led by one with a longer
              // deadline) instead of each sending its own to a store that may be failing.
              List<List<Object>> raw = new ArrayList<>(again.size());
              for (int j : again) {
                raw.add(keys.get(wi[j]));
              }
              long left = Math.max(1, deadline - System.nanoTime());
              return readDistinct(read, raw, asOf, false, left, timer)
                  .thenApply(
                      results -> {
                        for (int i = 0; i < results.length; i++) {
                          out[wi[again.get(i)]] = results[i];
                        }
                        return out;
                      });
            });
  }

  /**
   * What a coalesced read hands the requests that joined it when its own answer was STALE: they
   * read again within their own deadline (see {@link #read}).
   */
  private static final KeyResult GAVE_UP = new KeyResult(new FeatureValue[0], true);
}
