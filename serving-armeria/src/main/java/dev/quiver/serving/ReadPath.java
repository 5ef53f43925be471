package dev.quiver.serving;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The per-key read path of a lookup: near cache → coalescing → {@link StoreGuard} (breaker,
 * deadline, last-known-good). Hot keys (FR-016) are absorbed here: a key read by many concurrent
 * requests costs one store read (coalescing), and repeated reads within a view's max staleness are
 * answered from memory (near cache). Requests with {@code consistency: strong} or {@code as_of}
 * bypass both. Never blocks; runs on the event loop that received the request.
 */
final class ReadPath {
  private final StoreGuard guard;
  private final ServingMetrics metrics;
  private final boolean coalescing;
  private final Cache<ReadKey, Cached> near;
  private final ConcurrentHashMap<ReadKey, CompletableFuture<KeyResult>> inflight =
      new ConcurrentHashMap<>();

  /** A cached answer with the view's staleness bound, which is its time-to-live in the cache. */
  private record Cached(FeatureValue[] values, long ttlNanos) {}

  ReadPath(StoreGuard guard, ServerOptions options, ServingMetrics metrics) {
    this.guard = guard;
    this.metrics = metrics;
    this.coalescing = options.coalescing();
    this.near =
        options.cacheMaxEntries() <= 0
            ? null
            : Caffeine.newBuilder()
                .maximumSize(options.cacheMaxEntries())
                .executor(Runnable::run) // amortized cleanup on the caller, no pool hand-off
                .expireAfter(
                    new Expiry<ReadKey, Cached>() {
                      @Override
                      public long expireAfterCreate(ReadKey k, Cached v, long now) {
                        return v.ttlNanos();
                      }

                      @Override
                      public long expireAfterUpdate(ReadKey k, Cached v, long now, long cur) {
                        return v.ttlNanos();
                      }

                      @Override
                      public long expireAfterRead(ReadKey k, Cached v, long now, long cur) {
                        return cur;
                      }
                    })
                .build();
  }

  /**
   * Reads one view version for every key, within {@code timeoutNanos}. The future never fails: a
   * store failure yields stale last-known-good results.
   */
  CompletableFuture<KeyResult[]> read(
      LookupPlan.ViewRead read,
      List<List<Object>> keys,
      Instant asOf,
      boolean strong,
      long timeoutNanos) {
    int n = keys.size();
    KeyResult[] out = new KeyResult[n];
    boolean cacheable = near != null && asOf == null && !strong && read.maxStalenessNanos() > 0;
    // An inline read completes before this method returns, so there is no in-flight read for
    // others to join; coalescing would only add bookkeeping.
    boolean coalesce = coalescing && !strong && !guard.readsInline(n);
    List<ReadKey> fetchKeys = null;
    List<List<Object>> fetchRaw = null;
    List<CompletableFuture<KeyResult>> fetchFutures = null;
    int[] fetchIdx = null;
    int fetchCount = 0;
    List<CompletableFuture<KeyResult>> waits = null;
    int[] waitIdx = null;
    int waitCount = 0;
    long nowMillis = 0;
    for (int i = 0; i < n; i++) {
      ReadKey rk = new ReadKey(read.id(), read.features(), keys.get(i), asOf);
      if (cacheable) {
        Cached c = near.getIfPresent(rk);
        if (c != null) {
          metrics.cacheHit();
          if (nowMillis == 0) {
            nowMillis = System.currentTimeMillis();
          }
          out[i] = new KeyResult(StoreGuard.withinTtl(c.values(), read, nowMillis), false);
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
            waitIdx = new int[n];
          }
          // Never wait past this request's own deadline for someone else's read.
          waits.add(existing.copy().completeOnTimeout(null, timeoutNanos, TimeUnit.NANOSECONDS));
          waitIdx[waitCount++] = i;
          continue;
        }
      }
      if (fetchKeys == null) {
        fetchKeys = new ArrayList<>(n - i);
        fetchRaw = new ArrayList<>(n - i);
        fetchFutures = new ArrayList<>(n - i);
        fetchIdx = new int[n];
      }
      fetchKeys.add(rk);
      fetchRaw.add(keys.get(i));
      fetchFutures.add(mine);
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
              .fetch(read, fk, fetchRaw, asOf, timeoutNanos)
              .thenAccept(
                  results -> {
                    for (int j = 0; j < results.length; j++) {
                      KeyResult r = results[j];
                      ReadKey rk = fk.get(j);
                      if (cacheable && !r.stale()) {
                        near.put(rk, new Cached(r.values(), read.maxStalenessNanos()));
                      }
                      out[fi[j]] = r;
                      if (coalesce) {
                        inflight.remove(rk, ff.get(j));
                        ff.get(j).complete(r);
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
    final int[] wi = waitIdx;
    final int wc = waitCount;
    CompletableFuture<?> waited = CompletableFuture.allOf(w.toArray(new CompletableFuture[0]));
    return fetched.thenCombine(
        waited,
        (a, b) -> {
          for (int j = 0; j < wc; j++) {
            KeyResult r = w.get(j).join();
            // null: the shared read outlived our deadline; answer as the store being slow.
            out[wi[j]] =
                r != null ? r : new KeyResult(new FeatureValue[read.features().size()], true);
          }
          return out;
        });
  }
}
