package dev.quiver.serving;

import dev.quiver.core.registry.ViewRecord;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.JoinKey;
import java.util.List;

/**
 * A feature list resolved against the registry: which view versions to read, which of their
 * features, and where each answer goes. Immutable and cached per (namespace, entity, feature list)
 * for {@code server.plan-cache.ttl}, so the hot path never touches the registry.
 *
 * @param outputNames response field names, in request order
 * @param outputRead for each output, the index of its {@link ViewRead}
 * @param outputFeature for each output, the index of the feature in that read
 * @param warnings deprecation and other warnings to return to the caller
 */
record LookupPlan(
    Entity entity,
    List<ViewRead> reads,
    String[] outputNames,
    int[] outputRead,
    int[] outputFeature,
    List<String> warnings) {

  /**
   * One view version to read.
   *
   * @param features feature names to read (the same list instance is used in cache keys)
   * @param version the resolved version text, e.g. {@code v3} or {@code v3.1}
   * @param maxStalenessNanos the near cache bound for this view; 0 = no caching
   * @param ttlMillis the view's TTL, applied again to last-known-good values
   */
  record ViewRead(
      ViewRecord record,
      List<JoinKey> joinKeys,
      List<String> features,
      String version,
      long maxStalenessNanos,
      long ttlMillis) {
    String id() {
      return record.id();
    }
  }
}
