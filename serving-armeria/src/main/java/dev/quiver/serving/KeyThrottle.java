package dev.quiver.serving;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;

/**
 * Per-entity-key token buckets (FR-016): each key may be read {@code rate} times per second with
 * bursts up to {@code burst}; beyond that its lookups get 429 with {@code Retry-After}. Buckets
 * live in a bounded Caffeine cache and are forgotten after a few idle seconds. A bucket is a few
 * fields under its own lock: a library bucket (Bucket4j) would add a dependency for the same dozen
 * lines.
 */
final class KeyThrottle {
  private final double ratePerNano;
  private final double burst;
  private final Cache<Object, Bucket> buckets;

  KeyThrottle(double ratePerSecond, int burst) {
    this.ratePerNano = ratePerSecond / 1e9;
    this.burst = burst;
    this.buckets =
        Caffeine.newBuilder()
            .maximumSize(200_000)
            .expireAfterAccess(Duration.ofSeconds(10))
            .executor(Runnable::run) // amortized cleanup on the caller, no pool hand-off
            .build();
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
    Bucket b = buckets.get(key, k -> new Bucket(burst, nowNanos));
    synchronized (b) {
      double tokens = Math.min(burst, b.tokens + (nowNanos - b.updated) * ratePerNano);
      b.updated = nowNanos;
      if (tokens >= 1) {
        b.tokens = tokens - 1;
        return 0;
      }
      b.tokens = tokens;
      return (long) Math.ceil((1 - tokens) / ratePerNano);
    }
  }

  private static final class Bucket {
    double tokens;
    long updated;

    Bucket(double tokens, long updated) {
      this.tokens = tokens;
      this.updated = updated;
    }
  }
}
