package dev.quiver.serving;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;

/**
 * Per-entity-key token buckets (FR-016): each key may be read {@code rate} times per second with
 * bursts up to {@code burst}; beyond that its lookups get 429 with {@code Retry-After}. Buckets
 * live in a bounded Caffeine cache and are forgotten once they have been idle long enough to be
 * full again ({@code burst / rate} seconds, at least one): a new bucket starts full, so forgetting
 * a full one changes nothing, and far fewer buckets are alive at once (with keys spread over a
 * large key space every read used to leave a bucket behind for 10 s, which the young GC then had to
 * copy again and again before it died in the old generation). A bucket is a few fields under its
 * own lock: a library bucket (Bucket4j) would add a dependency for the same dozen lines.
 */
final class KeyThrottle {
  private final double ratePerNano;
  private final double burst;
  private final Cache<Object, Bucket> buckets;
  // Non-capturing, made once: a lambda capturing the time was allocated on every take.
  private final java.util.function.Function<Object, Bucket> newBucket = k -> new Bucket();

  KeyThrottle(double ratePerSecond, int burst) {
    this.ratePerNano = ratePerSecond / 1e9;
    this.burst = burst;
    this.buckets =
        Caffeine.newBuilder()
            .maximumSize(200_000)
            .expireAfterAccess(refillTime(ratePerSecond, burst))
            .executor(Runnable::run) // amortized cleanup on the caller, no pool hand-off
            .build();
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

  /**
   * Takes one token for {@code key}.
   *
   * @return 0 when allowed, else the nanoseconds until a token is available
   */
  long tryAcquire(Object key, long nowNanos) {
    // One probe: get() looks the key up before computing (with keys spread over a large key space
    // most lookups find no bucket, and a getIfPresent() first probed the map twice).
    Bucket b = buckets.get(key, newBucket);
    synchronized (b) {
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

  /** A bucket; a fresh one (never taken from) is full. Guarded by its own monitor. */
  private static final class Bucket {
    boolean fresh = true;
    double tokens;
    long updated;
  }
}
