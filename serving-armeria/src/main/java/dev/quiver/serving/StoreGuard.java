package dev.quiver.serving;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.linecorp.armeria.client.circuitbreaker.CircuitBreaker;
import com.linecorp.armeria.client.circuitbreaker.CircuitState;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Degradation around the online store: a circuit breaker (Armeria's {@link CircuitBreaker}, used
 * standalone: it is a plain failure-rate state machine, not tied to Armeria's HTTP client), a
 * per-read deadline, and a bounded last-known-good (LKG) cache. {@link #fetch} never fails and
 * never waits past its deadline: when the store is slow, down or the breaker is open it answers
 * each key with its LKG values (true event times, past-TTL values dropped) marked stale.
 */
final class StoreGuard {
  private final FeatureSource source;
  private final CircuitBreaker breaker;
  private final Cache<ReadKey, FeatureValue[]> lkg;
  private final ServingMetrics metrics;
  private final int inlineMaxKeys;

  /** Store reads of more keys than this are split into parallel reads (see readChunked). */
  static final int CHUNK_KEYS = 64;

  StoreGuard(FeatureSource source, ServerOptions options, ServingMetrics metrics) {
    this.source = source;
    this.metrics = metrics;
    this.inlineMaxKeys = options.inlineReadMaxKeys();
    this.breaker =
        CircuitBreaker.builder("online-store")
            .failureRateThreshold(options.breakerFailureRate())
            .minimumRequestThreshold(options.breakerMinRequests())
            .circuitOpenWindow(options.breakerOpenWindow())
            .trialRequestInterval(options.breakerOpenWindow())
            .counterSlidingWindow(java.time.Duration.ofSeconds(10))
            .counterUpdateInterval(java.time.Duration.ofMillis(200))
            .build();
    // Maintenance on the calling thread: a hand-off to the common pool per write costs more CPU
    // than the amortized cleanup itself.
    this.lkg =
        Caffeine.newBuilder().maximumSize(options.lkgMaxEntries()).executor(Runnable::run).build();
    metrics.gauge(
        "quiver.store.circuit.state",
        "online store circuit breaker: 0 closed, 1 half-open, 2 open",
        () ->
            switch (breaker.circuitState()) {
              case CLOSED -> 0;
              case HALF_OPEN -> 1;
              case OPEN, FORCED_OPEN -> 2;
            });
  }

  /** Whether a read of {@code keys} keys runs on the calling thread (see {@link #fetch}). */
  boolean readsInline(int keys) {
    return keys <= inlineMaxKeys && source.readsInline();
  }

  CircuitState state() {
    return breaker.circuitState();
  }

  /**
   * Reads {@code rks} (all of one view read) within {@code timeoutNanos}; never fails. A small
   * batch of an in-process store is read on the calling thread (the future is then already
   * complete); an answer later than the deadline is treated like a timeout in both paths.
   */
  CompletableFuture<KeyResult[]> fetch(
      LookupPlan.ViewRead read,
      List<ReadKey> rks,
      List<List<Object>> keys,
      Instant asOf,
      long timeoutNanos) {
    if (!breaker.tryRequest()) {
      metrics.breakerRejected();
      return CompletableFuture.completedFuture(fallback(read, rks, asOf));
    }
    long t0 = System.nanoTime();
    if (readsInline(keys.size())) {
      FeatureValue[][] values;
      try {
        values =
            source.readInline(read.record().view(), read.joinKeys(), read.features(), keys, asOf);
      } catch (RuntimeException e) {
        values = null;
      }
      boolean late = System.nanoTime() - t0 > timeoutNanos;
      return CompletableFuture.completedFuture(complete(read, rks, asOf, late ? null : values, t0));
    }
    CompletableFuture<FeatureValue[][]> f;
    try {
      f = keys.size() > CHUNK_KEYS ? readChunked(read, keys, asOf) : readOnce(read, keys, asOf);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    if (!f.isDone()) {
      f = f.copy().orTimeout(timeoutNanos, TimeUnit.NANOSECONDS);
    }
    return f.handle((values, err) -> complete(read, rks, asOf, err == null ? values : null, t0));
  }

  private CompletableFuture<FeatureValue[][]> readOnce(
      LookupPlan.ViewRead read, List<List<Object>> keys, Instant asOf) {
    return source.read(read.record().view(), read.joinKeys(), read.features(), keys, asOf);
  }

  /**
   * A large batch as several store reads of at most {@link #CHUNK_KEYS} keys, issued at once: the
   * embedded store runs them on its threads in parallel (one multi-get of 1,000 keys held one
   * thread for its whole read while the other idled), HBase's async client sends them as concurrent
   * multi-gets. Fails if any part fails (the caller then falls back for the batch).
   */
  private CompletableFuture<FeatureValue[][]> readChunked(
      LookupPlan.ViewRead read, List<List<Object>> keys, Instant asOf) {
    int n = keys.size();
    int parts = (n + CHUNK_KEYS - 1) / CHUNK_KEYS;
    int per = (n + parts - 1) / parts; // even chunks
    @SuppressWarnings("unchecked")
    CompletableFuture<FeatureValue[][]>[] fs = new CompletableFuture[parts];
    for (int p = 0; p < parts; p++) {
      fs[p] = readOnce(read, keys.subList(p * per, Math.min(n, (p + 1) * per)), asOf);
    }
    return CompletableFuture.allOf(fs)
        .thenApply(
            v -> {
              FeatureValue[][] out = new FeatureValue[n][];
              int at = 0;
              for (CompletableFuture<FeatureValue[][]> part : fs) {
                FeatureValue[][] got = part.join();
                System.arraycopy(got, 0, out, at, got.length);
                at += got.length;
              }
              return at == n ? out : null; // a short answer is a failure (see complete)
            });
  }

  /** Values (null: the read failed or timed out) to key results, recording the outcome. */
  private KeyResult[] complete(
      LookupPlan.ViewRead read, List<ReadKey> rks, Instant asOf, FeatureValue[][] values, long t0) {
    if (values == null || values.length != rks.size()) {
      breaker.onFailure();
      metrics.storeError();
      return fallback(read, rks, asOf);
    }
    breaker.onSuccess();
    metrics.storeLatency(System.nanoTime() - t0);
    KeyResult[] out = new KeyResult[values.length];
    for (int i = 0; i < values.length; i++) {
      FeatureValue[] v = values[i];
      if (v == null) {
        v = new FeatureValue[read.features().size()];
      }
      if (asOf == null) {
        remember(rks.get(i), v);
      }
      out[i] = new KeyResult(v, false);
    }
    return out;
  }

  /**
   * Records {@code v} as the last-known-good values of {@code rk}, unless the cache already holds
   * equal values. Replacing an unchanged entry on every read made each read's values survive into
   * the old generation (the cache's entries live there), so every young GC had to copy them and
   * scan the cards of the replaced references: about 100 MB of churned old-generation state in the
   * lookup bench, and young pauses of 70-120 ms. Values compare as records; an embedding's {@code
   * float[]} compares by identity, so those entries are simply replaced as before.
   */
  private void remember(ReadKey rk, FeatureValue[] v) {
    // Quietly: no access recording for this check; an entry that is never replaced may then age
    // out first under size pressure, and the next read puts it back.
    FeatureValue[] known = lkg.policy().getIfPresentQuietly(rk);
    if (known == null || !java.util.Arrays.equals(known, v)) {
      lkg.put(rk, v);
    }
  }

  private KeyResult[] fallback(LookupPlan.ViewRead read, List<ReadKey> rks, Instant asOf) {
    KeyResult[] out = new KeyResult[rks.size()];
    long ref = asOf == null ? System.currentTimeMillis() : asOf.toEpochMilli();
    for (int i = 0; i < out.length; i++) {
      ReadKey rk = rks.get(i);
      FeatureValue[] v = lkg.getIfPresent(asOf == null ? rk : rk.withoutAsOf());
      out[i] = new KeyResult(withinTtl(v, read, ref), true);
    }
    metrics.lkgServed(out.length);
    return out;
  }

  /**
   * A copy of {@code v} without values that expired at {@code refMillis}: live means {@code ts >
   * refMillis − ttl} (exclusive, the same rule as the online reader and the offline join).
   */
  static FeatureValue[] withinTtl(FeatureValue[] v, LookupPlan.ViewRead read, long refMillis) {
    FeatureValue[] out = new FeatureValue[read.features().size()];
    if (v == null) {
      return out;
    }
    long oldest = refMillis - read.ttlMillis();
    for (int i = 0; i < out.length && i < v.length; i++) {
      if (v[i] != null
          && (!v[i].hasTs() || (v[i].tsMillis() > oldest && v[i].tsMillis() <= refMillis))) {
        out[i] = v[i];
      }
    }
    return out;
  }
}
