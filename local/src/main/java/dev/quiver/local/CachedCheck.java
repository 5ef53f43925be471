package dev.quiver.local;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.quiver.serving.UpstreamCheck;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * An {@link UpstreamCheck} whose result is reused for a short time: {@code GET /v1/health} is
 * probed often (a load balancer, a probe storm), and each check of the materialization jobs asks
 * the Flink cluster for every job's execution graph. Concurrent probes share one check in flight,
 * and its result answers the probes of the next {@code ttl}; a check that failed is not kept.
 */
final class CachedCheck implements UpstreamCheck {
  private final UpstreamCheck check;
  private final AsyncLoadingCache<Boolean, Result> last;

  CachedCheck(UpstreamCheck check, Duration ttl, Ticker ticker) {
    this.check = check;
    this.last =
        Caffeine.newBuilder()
            .expireAfterWrite(ttl)
            .ticker(ticker)
            .executor(Runnable::run) // the check itself does not block
            .buildAsync((key, executor) -> check.check());
  }

  /** {@code check}, its result kept for {@code ttl}. */
  static UpstreamCheck of(UpstreamCheck check, Duration ttl) {
    return new CachedCheck(check, ttl, Ticker.systemTicker());
  }

  @Override
  public String name() {
    return check.name();
  }

  @Override
  public CompletableFuture<Result> check() {
    return last.get(Boolean.TRUE);
  }
}
