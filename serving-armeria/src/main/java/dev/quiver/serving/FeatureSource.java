package dev.quiver.serving;

import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where the lookup service reads current feature values: a thin adapter over the online store's
 * reader, which merges window-aggregation tiles at read time and applies the view's TTL.
 */
public interface FeatureSource extends AutoCloseable {

  /**
   * Reads {@code features} of one view version for each key.
   *
   * <p>Contract: never blocks the calling thread (it is an event loop); the future completes with
   * one array per key, in key order, each aligned with {@code features}, holding null where the key
   * has no current value (never written, or older than {@code asOf - ttl}). A failure of the store
   * completes the future exceptionally; it never throws. Thread-safe.
   *
   * @param joinKeys the entity's join keys, in order
   * @param keys entity keys, each the join-key values in the entity's join-key order
   * @param asOf answer as of this time; null = now
   */
  CompletableFuture<FeatureValue[][]> read(
      FeatureView view,
      List<JoinKey> joinKeys,
      List<String> features,
      List<List<Object>> keys,
      Instant asOf);

  /**
   * Whether {@link #readInline} is available: the store is in process (embedded), so a small batch
   * costs less read on the calling thread than handed to the store's threads and back.
   */
  default boolean readsInline() {
    return false;
  }

  /**
   * Like {@link #read}, on the calling thread, for a source whose {@link #readsInline()} is true.
   * The caller (an event loop) bounds the batch size, since the thread is held for the whole read.
   * Throws on a failure of the store (the caller answers from last-known-good). Thread-safe.
   *
   * @throws UnsupportedOperationException when the source has no inline path
   */
  default FeatureValue[][] readInline(
      FeatureView view,
      List<JoinKey> joinKeys,
      List<String> features,
      List<List<Object>> keys,
      Instant asOf) {
    throw new UnsupportedOperationException("this feature source reads asynchronously only");
  }

  /**
   * Whether the last read of {@code view} found that it was never materialized (no job or backfill
   * has created its online table, so every key reads as nothing stored): the lookup then says so in
   * its {@code warnings}. Cheap and non-blocking; false when unknown. Thread-safe.
   */
  default boolean unmaterialized(FeatureView view) {
    return false;
  }

  /**
   * A cheap readiness probe of the store; completes exceptionally (never throws) when it is
   * unreachable.
   */
  CompletableFuture<Void> check();

  @Override
  default void close() {}
}
