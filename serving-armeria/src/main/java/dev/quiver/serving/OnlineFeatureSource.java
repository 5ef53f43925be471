package dev.quiver.serving;

import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.online.EntityFeatures;
import dev.quiver.online.FeatureReader;
import dev.quiver.online.OnlineRead;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import dev.quiver.online.UnknownTableException;
import dev.quiver.online.ViewTableId;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The production {@link FeatureSource}: the online store SPI (embedded RocksDB by default, HBase
 * with the async client and batched multi-gets) read through the online module's {@link
 * FeatureReader}, which merges window-aggregation tiles at request time and drops row values past
 * the view's TTL. One {@code multiGet} per (view version, batch of keys).
 */
public final class OnlineFeatureSource implements FeatureSource {
  private static final ViewTableId PROBE = new ViewTableId("quiver", "health_probe", 1);
  private final OnlineStore store;
  private final FeatureReader reader;
  private final boolean ownsStore;

  public OnlineFeatureSource(OnlineStore store, boolean ownsStore) {
    this.store = store;
    this.reader = new FeatureReader(store, Clock.systemUTC());
    this.ownsStore = ownsStore;
  }

  /** Opens the store that {@code online.type} names; closing this source closes it. */
  public static OnlineFeatureSource open(QuiverConfig config) {
    return new OnlineFeatureSource(OnlineStores.open(config), true);
  }

  public OnlineStore store() {
    return store;
  }

  @Override
  public CompletableFuture<FeatureValue[][]> read(
      FeatureView view,
      List<JoinKey> joinKeys,
      List<String> features,
      List<List<Object>> keys,
      Instant asOf) {
    return reader
        .read(view, features, encode(joinKeys, keys), epochMillis(asOf))
        .thenApply(results -> convert(features, results));
  }

  @Override
  public boolean unmaterialized(FeatureView view) {
    return reader.unmaterialized(view);
  }

  @Override
  public boolean readsInline() {
    return store.readsInline();
  }

  @Override
  public FeatureValue[][] readInline(
      FeatureView view,
      List<JoinKey> joinKeys,
      List<String> features,
      List<List<Object>> keys,
      Instant asOf) {
    List<byte[]> encoded = encode(joinKeys, keys);
    if (asOf == null) {
      // Rows only, read now (the common lookup): values straight into the served records, without
      // the reader's per-key maps and records (docs/serving.md, "Session 7").
      FeatureValue[][] out = new FeatureValue[encoded.size()][];
      if (reader.readInlineRows(
          view, features, encoded, FeatureValue::new, FeatureValue[]::new, out)) {
        return out;
      }
    }
    return convert(features, reader.readInline(view, features, encoded, epochMillis(asOf)));
  }

  /**
   * The as-of time in epoch millis; null for now. An instant beyond a long's millis (an ISO-8601
   * {@code as_of} may name the year 1,000,000,000) saturates, and the reader clamps it to its read
   * range: no event is that old or new.
   */
  private static Long epochMillis(Instant asOf) {
    if (asOf == null) {
      return null;
    }
    try {
      return asOf.toEpochMilli();
    } catch (ArithmeticException e) {
      return asOf.isBefore(Instant.EPOCH) ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  private static List<byte[]> encode(List<JoinKey> joinKeys, List<List<Object>> keys) {
    List<byte[]> encoded = new ArrayList<>(keys.size());
    for (List<Object> k : keys) {
      encoded.add(EntityKeyCodec.encode(joinKeys, k));
    }
    return encoded;
  }

  private static FeatureValue[][] convert(List<String> features, List<EntityFeatures> results) {
    FeatureValue[][] out = new FeatureValue[results.size()][];
    for (int i = 0; i < out.length; i++) {
      EntityFeatures ef = results.get(i);
      if (ef.status() == EntityFeatures.Status.ERROR) {
        // One failed key fails the batch: the guard answers it from last-known-good.
        throw new IllegalStateException("online store read failed: " + ef.error(), ef.error());
      }
      FeatureValue[] row = new FeatureValue[features.size()];
      for (int f = 0; f < row.length; f++) {
        dev.quiver.online.FeatureValue v = ef.features().get(features.get(f));
        if (v != null && v.value() != null) {
          row[f] = new FeatureValue(v.value(), v.ts() == null ? FeatureValue.NO_TS : v.ts());
        }
      }
      out[i] = row;
    }
    return out;
  }

  /**
   * Reads one key of a probe table that need not exist: the store must answer (an unknown table is
   * an answer; a timeout or a connection error is not).
   */
  @Override
  public CompletableFuture<Void> check() {
    return store
        .multiGet(List.of(OnlineRead.latest(PROBE, new byte[] {0}, List.of("probe"))))
        .thenApply(
            r -> {
              Throwable e = r.get(0).error();
              if (e != null && !(e instanceof UnknownTableException)) {
                throw new IllegalStateException(e.getMessage(), e);
              }
              return (Void) null;
            });
  }

  @Override
  public void close() {
    if (ownsStore) {
      store.close();
    }
  }
}
