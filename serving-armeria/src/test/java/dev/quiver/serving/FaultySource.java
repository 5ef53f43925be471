package dev.quiver.serving;

import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Fault injection around a real {@link FeatureSource}: added latency or failures on demand, to test
 * timeouts and degradation without a remote store (the HBase ITCase stops a real one).
 */
final class FaultySource implements FeatureSource {
  private final FeatureSource delegate;
  volatile long delayMillis;
  volatile boolean down;

  /** Asynchronous reads asked of this source (inline ones not counted). */
  final java.util.concurrent.atomic.AtomicInteger reads =
      new java.util.concurrent.atomic.AtomicInteger();

  FaultySource(FeatureSource delegate) {
    this.delegate = delegate;
  }

  @Override
  public CompletableFuture<FeatureValue[][]> read(
      FeatureView view,
      List<JoinKey> joinKeys,
      List<String> features,
      List<List<Object>> keys,
      Instant asOf) {
    reads.incrementAndGet();
    if (down) {
      return CompletableFuture.failedFuture(new IllegalStateException("injected: store down"));
    }
    CompletableFuture<FeatureValue[][]> f = delegate.read(view, joinKeys, features, keys, asOf);
    long d = delayMillis;
    return d <= 0
        ? f
        : f.thenApplyAsync(v -> v, CompletableFuture.delayedExecutor(d, TimeUnit.MILLISECONDS));
  }

  /** Inline while no delay is injected (a delay needs the asynchronous path). */
  @Override
  public boolean unmaterialized(dev.quiver.core.spec.FeatureView view) {
    return delegate.unmaterialized(view);
  }

  @Override
  public boolean readsInline() {
    return delegate.readsInline() && delayMillis <= 0;
  }

  @Override
  public FeatureValue[][] readInline(
      FeatureView view,
      List<JoinKey> joinKeys,
      List<String> features,
      List<List<Object>> keys,
      Instant asOf) {
    if (down) {
      throw new IllegalStateException("injected: store down");
    }
    return delegate.readInline(view, joinKeys, features, keys, asOf);
  }

  @Override
  public CompletableFuture<Void> check() {
    return down
        ? CompletableFuture.failedFuture(new IllegalStateException("injected: store down"))
        : delegate.check();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
