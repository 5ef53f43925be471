package dev.quiver.serving;

import dev.quiver.core.spec.FeatureView;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory feature source for unit tests: keeps every written (ts, value) per view major, key
 * and feature, and answers "latest value with ts <= asOf and ts > asOf - ttl". Can be switched to
 * fail or to hang, and counts reads.
 */
public final class InMemoryFeatureSource implements FeatureSource {
  private final Map<String, NavigableMap<Long, Object>> cells = new ConcurrentHashMap<>();
  final AtomicLong reads = new AtomicLong();

  /** Keys asked of this source, over all reads. */
  final AtomicLong keysRead = new AtomicLong();

  volatile boolean down;
  volatile long delayMillis;

  public void write(FeatureView view, List<Object> key, String feature, long ts, Object value) {
    cells
        .computeIfAbsent(cell(view, key, feature), k -> new ConcurrentSkipListMap<>())
        .put(ts, value);
  }

  private static String cell(FeatureView view, List<Object> key, String feature) {
    return view.namespace()
        + "/"
        + view.name()
        + "/"
        + view.version().major()
        + "/"
        + key
        + "/"
        + feature;
  }

  @Override
  public CompletableFuture<FeatureValue[][]> read(
      FeatureView view,
      List<dev.quiver.core.spec.JoinKey> joinKeys,
      List<String> features,
      List<List<Object>> keys,
      Instant asOf) {
    reads.incrementAndGet();
    keysRead.addAndGet(keys.size());
    if (down) {
      return CompletableFuture.failedFuture(new IllegalStateException("store down"));
    }
    long ref = asOf == null ? System.currentTimeMillis() : asOf.toEpochMilli();
    FeatureValue[][] out = new FeatureValue[keys.size()][features.size()];
    for (int k = 0; k < keys.size(); k++) {
      for (int f = 0; f < features.size(); f++) {
        NavigableMap<Long, Object> m = cells.get(cell(view, keys.get(k), features.get(f)));
        if (m != null) {
          Map.Entry<Long, Object> e = m.floorEntry(ref);
          if (e != null && e.getKey() > ref - view.ttl().toMillis()) {
            out[k][f] = new FeatureValue(e.getValue(), e.getKey());
          }
        }
      }
    }
    if (delayMillis > 0) {
      return CompletableFuture.supplyAsync(
          () -> out,
          CompletableFuture.delayedExecutor(
              delayMillis, java.util.concurrent.TimeUnit.MILLISECONDS));
    }
    return CompletableFuture.completedFuture(out);
  }

  @Override
  public CompletableFuture<Void> check() {
    return down
        ? CompletableFuture.failedFuture(new IllegalStateException("store down"))
        : CompletableFuture.completedFuture(null);
  }
}
