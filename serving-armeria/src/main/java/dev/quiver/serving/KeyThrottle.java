package dev.quiver.serving;

import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Per-entity-key token buckets (FR-016): each key may be read {@code rate} times per second with
 * bursts up to {@code burst}; beyond that its lookups get 429 with {@code Retry-After}. A bucket is
 * forgotten once it has been idle long enough to be full again ({@code burst / rate} seconds,
 * rounded up, at least one): a new bucket starts full, so forgetting a full one changes no answer,
 * and far fewer buckets are alive at once.
 *
 * <p>Buckets live in a {@link ConcurrentHashMap} swept for idle buckets in passes at most one
 * {@link #SWEEP_INTERVAL} apart; while a pass is under way, each caller that finds it free examines
 * the next {@link #SWEEP_BATCH} buckets (amortized: one pass over the live buckets per interval,
 * and no caller held for more than a batch). Until session 6 they lived in a Caffeine cache with
 * {@code expireAfterAccess}; with keys spread over a large key space almost every lookup inserts a
 * new bucket, and Caffeine's per-write bookkeeping (write buffer, access-order deque, expiry and
 * eviction in its maintenance) was 12% of a lookup server's CPU samples at 10k lookups/s
 * (docs/serving.md, "Session 6"). A bucket is a few fields under its own lock: a library bucket
 * (Bucket4j) would add a dependency for the same dozen lines.
 *
 * <p>Thread-safe. A sweep removes a bucket under the bucket's monitor and marks it removed, so a
 * take racing with the sweep retries on a new bucket instead of updating a forgotten one: answers
 * are exactly those of buckets that are never forgotten. Above {@code maxBuckets} live buckets (a
 * key space larger than the rate times the refill time), the next sweep also drops arbitrary
 * buckets until the bound holds, as a size-bounded cache evicts; those keys restart full.
 */
final class KeyThrottle {
  static final Duration SWEEP_INTERVAL = Duration.ofSeconds(1);
  static final int DEFAULT_MAX_BUCKETS = 200_000;

  /** Buckets one caller examines per sweep step. */
  static final int SWEEP_BATCH = 64;

  private final double ratePerNano;
  private final double burst;
  private final long idleNanos;
  private final long sweepIntervalNanos;
  private final int maxBuckets;
  private final ConcurrentHashMap<Object, Bucket> buckets = new ConcurrentHashMap<>();
  private final AtomicLong nextSweep = new AtomicLong(Long.MIN_VALUE);
  private final AtomicBoolean sweeping = new AtomicBoolean();
  // The pass under way (guarded by sweeping): its iterator and how many buckets it must still drop
  // to get back under maxBuckets.
  private Iterator<Bucket> sweep;
  private int sweepOver;

  KeyThrottle(double ratePerSecond, int burst) {
    this(ratePerSecond, burst, DEFAULT_MAX_BUCKETS);
  }

  KeyThrottle(double ratePerSecond, int burst, int maxBuckets) {
    this.ratePerNano = ratePerSecond / 1e9;
    this.burst = burst;
    this.idleNanos = refillTime(ratePerSecond, burst).toNanos();
    this.sweepIntervalNanos = Math.min(SWEEP_INTERVAL.toNanos(), idleNanos);
    this.maxBuckets = maxBuckets;
  }

  /** The time an empty bucket takes to fill up, rounded up to whole seconds (at least 1 s). */
  static Duration refillTime(double ratePerSecond, int burst) {
    if (ratePerSecond <= 0) {
      return Duration.ofSeconds(1);
    }
    return Duration.ofSeconds(Math.max(1, (long) Math.ceil(burst / ratePerSecond)));
  }

  boolean enabled() {
    return ratePerNano > 0;
  }

  /** Live buckets (for tests). */
  int size() {
    return buckets.size();
  }

  /**
   * Takes one token for {@code key}.
   *
   * @param nowNanos {@link System#nanoTime()} of the caller; calls may come from several threads
   *     with slightly unordered times
   * @return 0 when allowed, else the nanoseconds until a token is available
   */
  long tryAcquire(Object key, long nowNanos) {
    long due = nextSweep.get();
    if (due == Long.MIN_VALUE) {
      nextSweep.compareAndSet(Long.MIN_VALUE, nowNanos + sweepIntervalNanos);
    } else if (nowNanos - due >= 0 && sweeping.compareAndSet(false, true)) {
      try {
        sweepSome(nowNanos);
      } finally {
        sweeping.set(false);
      }
    }
    while (true) {
      Bucket b = buckets.get(key); // one probe when the key has a bucket
      if (b == null) {
        Bucket fresh = new Bucket();
        b = buckets.putIfAbsent(key, fresh);
        if (b == null) {
          b = fresh;
        }
      }
      synchronized (b) {
        if (b.removed) {
          continue; // swept meanwhile: take from the bucket that replaces it
        }
        double tokens =
            b.fresh ? burst : Math.min(burst, b.tokens + (nowNanos - b.updated) * ratePerNano);
        b.fresh = false;
        b.updated = nowNanos;
        if (tokens >= 1) {
          b.tokens = tokens - 1;
          return 0;
        }
        b.tokens = tokens;
        return (long) Math.ceil((1 - tokens) / ratePerNano);
      }
    }
  }

  /**
   * One step of the sweep (the caller holds {@link #sweeping}): at most {@link #SWEEP_BATCH}
   * buckets, so that no caller is held for a pass over all of them (a pass removing 20,000 buckets
   * took ~1.6 ms); a pass ends when its iterator does, and the next one is due an interval later.
   * Forgets buckets idle for the refill time (full again), then any beyond the size bound.
   */
  private void sweepSome(long nowNanos) {
    if (sweep == null) {
      // Values only: an entry iterator allocates an entry object per bucket. Weakly consistent: it
      // sees the map as it changes.
      sweep = buckets.values().iterator();
      sweepOver = buckets.size() - maxBuckets;
    }
    for (int i = 0; i < SWEEP_BATCH && sweep.hasNext(); i++) {
      Bucket b = sweep.next();
      synchronized (b) {
        if (b.fresh || b.removed) {
          continue; // just created (its first take is under way), or already gone
        }
        // Idle for the refill time and full again by the bucket's own arithmetic (the refill time
        // is rounded, and rate x time in floating point may fall a hair short of the burst).
        boolean full =
            nowNanos - b.updated >= idleNanos
                && b.tokens + (nowNanos - b.updated) * ratePerNano >= burst;
        if (full || sweepOver > 0) {
          b.removed = true;
          // Removes this bucket's key: only a sweep removes, and a key gets a new bucket only once
          // its old one is gone, so the key still maps to b.
          sweep.remove();
          sweepOver--;
        }
      }
    }
    if (!sweep.hasNext()) {
      sweep = null;
      nextSweep.set(nowNanos + sweepIntervalNanos);
    }
  }

  /** A bucket; a fresh one (never taken from) is full. Guarded by its own monitor. */
  private static final class Bucket {
    boolean fresh = true;
    boolean removed;
    double tokens;
    long updated;
  }
}
