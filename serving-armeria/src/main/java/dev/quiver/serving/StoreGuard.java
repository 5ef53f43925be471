package dev.quiver.serving;

import com.linecorp.armeria.client.circuitbreaker.CircuitBreaker;
import com.linecorp.armeria.client.circuitbreaker.CircuitState;
import io.netty.util.concurrent.EventExecutor;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Degradation around the online store: a circuit breaker (Armeria's {@link CircuitBreaker}, used
 * standalone: it is a plain failure-rate state machine, not tied to Armeria's HTTP client), a
 * per-read deadline, and last-known-good (LKG) values from the {@link KeyCache}, which every
 * successful read of now updates. {@link #fetch} never fails and never waits past its deadline:
 * when the store is slow, down or the breaker is open it answers each key with its LKG values (true
 * event times, past-TTL values dropped) marked stale.
 */
final class StoreGuard {
  private final FeatureSource source;
  private final CircuitBreaker breaker;
  private final KeyCache cache;
  private final boolean lkgEnabled;
  private final ServingMetrics metrics;
  private final int inlineMaxKeys;
  private final long slowNanos;

  /** Store reads of more keys than this are split into parallel reads (see readChunked). */
  static final int CHUNK_KEYS = 64;

  StoreGuard(FeatureSource source, ServerOptions options, ServingMetrics metrics) {
    this.source = source;
    this.metrics = metrics;
    this.inlineMaxKeys = options.inlineReadMaxKeys();
    this.slowNanos = options.defaultLookupTimeout().toNanos();
    this.breaker =
        CircuitBreaker.builder("online-store")
            .failureRateThreshold(options.breakerFailureRate())
            .minimumRequestThreshold(options.breakerMinRequests())
            .circuitOpenWindow(options.breakerOpenWindow())
            .trialRequestInterval(options.breakerOpenWindow())
            .counterSlidingWindow(java.time.Duration.ofSeconds(10))
            .counterUpdateInterval(java.time.Duration.ofMillis(200))
            .build();
    // One cache for the near cache (ReadPath) and last-known-good: as large as the larger bound.
    this.cache = new KeyCache(Math.max(options.lkgMaxEntries(), options.cacheMaxEntries()));
    this.lkgEnabled = options.lkgMaxEntries() > 0;
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

  /** See {@link FeatureSource#unmaterialized}. */
  boolean unmaterialized(dev.quiver.core.spec.FeatureView view) {
    return source.unmaterialized(view);
  }

  /** Whether a read of {@code keys} keys runs on the calling thread (see {@link #fetch}). */
  boolean readsInline(int keys) {
    return keys <= inlineMaxKeys && source.readsInline();
  }

  /** The values last read per key: last-known-good here, the near cache in {@link ReadPath}. */
  KeyCache cache() {
    return cache;
  }

  CircuitState state() {
    return breaker.circuitState();
  }

  /**
   * Called when a health probe has just read the store successfully: if the breaker would let a
   * trial read through now (open past its window, or half-open past its trial interval, which is
   * the same {@code server.breaker.open-window}), that probe counts as the trial read and closes
   * it. Without this the breaker only moved on lookups, so after an outage with no lookup traffic
   * (which a failing readiness probe keeps away) it stayed open, and the server not ready, for
   * good.
   *
   * @return the breaker's state afterwards
   */
  CircuitState probeSucceeded() {
    if (breaker.circuitState() != CircuitState.CLOSED && breaker.tryRequest()) {
      breaker.onSuccess();
    }
    return breaker.circuitState();
  }

  /**
   * Reads {@code rks} (all of one view read) within {@code timeoutNanos}; never fails. A small
   * batch of an in-process store is read on the calling thread (the future is then already
   * complete); an answer later than the deadline is treated like a timeout in both paths.
   *
   * @param entries aligned with {@code rks}: each key's cache entry found before the read, or null
   *     (none, or an as-of read); a successful read of now updates them
   * @param timer the event loop of the request, which times the read when called on it; null (or
   *     another thread) uses {@link CompletableFuture#orTimeout}
   */
  CompletableFuture<KeyResult[]> fetch(
      LookupPlan.ViewRead read,
      List<ReadKey> rks,
      KeyCache.Entry[] entries,
      List<List<Object>> keys,
      Instant asOf,
      long timeoutNanos,
      EventExecutor timer) {
    if (!breaker.tryRequest()) {
      metrics.breakerRejected();
      return CompletableFuture.completedFuture(fallback(read, rks, entries, asOf));
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
      long took = System.nanoTime() - t0;
      if (values != null && took > timeoutNanos) {
        // answered, but after this request's deadline: STALE for the request; a failure of the
        // store only if it was slower than the store bound (see judgeLate)
        if (took <= slowNanos) {
          breaker.onSuccess();
        } else {
          storeFailed();
        }
        KeyResult[] stale = fallback(read, rks, entries, asOf);
        recordLate(read, rks, entries, asOf, values, t0);
        return CompletableFuture.completedFuture(stale);
      }
      return CompletableFuture.completedFuture(complete(read, rks, entries, asOf, values, t0));
    }
    CompletableFuture<FeatureValue[][]> f;
    try {
      f = keys.size() > CHUNK_KEYS ? readChunked(read, keys, asOf) : readOnce(read, keys, asOf);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    if (!f.isDone() && timer != null && timer.inEventLoop()) {
      // The deadline as a task of this event loop: scheduling on the loop from the loop is a queue
      // insert without a lock or a wake-up, and the cancel from the store's thread is queued for
      // the loop lazily. orTimeout's shared timer thread took a lock twice per read and was woken
      // whenever its queue had run empty, i.e. about once per read below saturation.
      CompletableFuture<FeatureValue[][]> store = f;
      CompletableFuture<FeatureValue[][]> d = f.copy();
      ScheduledFuture<?> deadline =
          timer.schedule(
              () -> d.completeExceptionally(new TimeoutException()),
              timeoutNanos,
              TimeUnit.NANOSECONDS);
      return d.handle(
          (values, err) -> {
            deadline.cancel(false);
            if (err instanceof TimeoutException) {
              judgeLate(store, t0, v -> recordLate(read, rks, entries, asOf, v, t0));
              return fallback(read, rks, entries, asOf);
            }
            return complete(read, rks, entries, asOf, err == null ? values : null, t0);
          });
    }
    CompletableFuture<FeatureValue[][]> store = f;
    if (!f.isDone()) {
      f = f.copy().orTimeout(timeoutNanos, TimeUnit.NANOSECONDS);
    }
    return f.handle(
        (values, err) -> {
          Throwable cause =
              err instanceof java.util.concurrent.CompletionException ? err.getCause() : err;
          if (cause instanceof TimeoutException && !(store.isCompletedExceptionally())) {
            judgeLate(store, t0, v -> recordLate(read, rks, entries, asOf, v, t0));
            return fallback(read, rks, entries, asOf);
          }
          return complete(read, rks, entries, asOf, err == null ? values : null, t0);
        });
  }

  /**
   * The breaker's verdict on a read that missed its request's deadline. The deadline is the
   * client's choice ({@code options.timeout_ms}, down to 1 ms): counted as a store failure, a
   * client asking for 5 ms under load opened the breaker, and every lookup on the server was STALE
   * and {@code /v1/health} DOWN while the store was fine. So the read is judged by the store bound
   * instead, {@code server.lookup.default-timeout} from its start: a failure if it fails or is
   * still running then, a success if it answers before.
   */
  private void judgeLate(
      CompletableFuture<FeatureValue[][]> store,
      long t0,
      java.util.function.Consumer<FeatureValue[][]> answered) {
    long left = slowNanos - (System.nanoTime() - t0);
    if (!store.isDone() && left <= 0) {
      storeFailed();
      return;
    }
    (store.isDone() ? store : store.copy().orTimeout(left, TimeUnit.NANOSECONDS))
        .whenComplete(
            (values, err) -> {
              if (err == null && values != null) {
                breaker.onSuccess();
                answered.accept(values);
              } else {
                storeFailed();
              }
            });
  }

  /**
   * A read of now that answered after its request's deadline still updates the keys' cache entries
   * (last-known-good, and the near cache for the next lookups): the values are the store's. Before,
   * a store answering a little slower than clients' {@code timeout_ms} never refreshed
   * last-known-good, so every lookup was STALE with ever older values, or null for a key not seen
   * before, while every read succeeded.
   */
  private void recordLate(
      LookupPlan.ViewRead read,
      List<ReadKey> rks,
      KeyCache.Entry[] entries,
      Instant asOf,
      FeatureValue[][] values,
      long t0) {
    if (asOf != null || values == null || values.length != rks.size()) {
      return;
    }
    for (int i = 0; i < values.length; i++) {
      FeatureValue[] v = values[i] == null ? new FeatureValue[read.features().size()] : values[i];
      cache.record(rks.get(i), entries == null ? null : entries[i], v, t0);
    }
  }

  private void storeFailed() {
    breaker.onFailure();
    metrics.storeError();
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
      LookupPlan.ViewRead read,
      List<ReadKey> rks,
      KeyCache.Entry[] entries,
      Instant asOf,
      FeatureValue[][] values,
      long t0) {
    if (values == null || values.length != rks.size()) {
      storeFailed();
      return fallback(read, rks, entries, asOf);
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
        // The read's start time: the values are at most as old as the store was then.
        cache.record(rks.get(i), entries[i], v, t0);
      }
      out[i] = new KeyResult(v, false);
    }
    return out;
  }

  private KeyResult[] fallback(
      LookupPlan.ViewRead read, List<ReadKey> rks, KeyCache.Entry[] entries, Instant asOf) {
    KeyResult[] out = new KeyResult[rks.size()];
    long ref = asOf == null ? System.currentTimeMillis() : asOf.toEpochMilli();
    for (int i = 0; i < out.length; i++) {
      out[i] = lastKnownGood(read, rks.get(i), entries == null ? null : entries[i], ref);
    }
    return out;
  }

  /**
   * The last-known-good answer of one key, as of {@code refMillis} (now, or the read's as-of time):
   * its latest values read of now, without those expired at {@code refMillis}, marked stale.
   *
   * @param known the key's cache entry if the caller has it, else null (it is looked up)
   */
  KeyResult lastKnownGood(
      LookupPlan.ViewRead read, ReadKey rk, KeyCache.Entry known, long refMillis) {
    FeatureValue[] v = null;
    if (lkgEnabled) {
      KeyCache.Entry e = known != null ? known : cache.get(rk.withoutAsOf());
      v = e == null ? null : e.values();
    }
    metrics.lkgServed(1);
    return new KeyResult(withinTtl(v, read, refMillis), true);
  }

  /**
   * {@code v} without values that expired at {@code refMillis}: live means {@code ts > refMillis −
   * ttl} (exclusive, the same rule as the online reader and the offline join). Returns {@code v}
   * itself when every value is live and it has the read's length (the common case of a near-cache
   * hit: no copy), else a new array; value arrays are never modified once read, so sharing is safe.
   */
  static FeatureValue[] withinTtl(FeatureValue[] v, LookupPlan.ViewRead read, long refMillis) {
    int n = read.features().size();
    if (v == null) {
      return new FeatureValue[n];
    }
    long oldest = refMillis - read.ttlMillis();
    FeatureValue[] out = v.length == n ? null : new FeatureValue[n];
    for (int i = 0; i < n && i < v.length; i++) {
      boolean live =
          v[i] != null
              && (!v[i].hasTs() || (v[i].tsMillis() > oldest && v[i].tsMillis() <= refMillis));
      if (out == null && !live && v[i] != null) {
        out = new FeatureValue[n];
        System.arraycopy(v, 0, out, 0, i); // the live values before this one
      }
      if (out != null && live) {
        out[i] = v[i];
      }
    }
    return out == null ? v : out;
  }
}
