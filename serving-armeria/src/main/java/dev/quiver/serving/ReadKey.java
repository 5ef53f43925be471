package dev.quiver.serving;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Identity of one key's read of one view version: the unit of caching and coalescing. A value class
 * rather than a record so that its hash is computed once: every lookup probes the near cache, the
 * in-flight map and the last-known-good cache with the same key, and a record would rehash the
 * feature list and the key on each probe.
 */
final class ReadKey {
  private final String viewId;
  private final List<String> features;
  private final List<Object> key;
  private final Instant asOf;
  private final int hash;

  ReadKey(String viewId, List<String> features, List<Object> key, Instant asOf) {
    this.viewId = viewId;
    this.features = features;
    this.key = key;
    this.asOf = asOf;
    this.hash = Objects.hash(viewId, features, key, asOf);
  }

  String viewId() {
    return viewId;
  }

  List<String> features() {
    return features;
  }

  List<Object> key() {
    return key;
  }

  Instant asOf() {
    return asOf;
  }

  ReadKey withoutAsOf() {
    return asOf == null ? this : new ReadKey(viewId, features, key, null);
  }

  @Override
  public boolean equals(Object o) {
    return o == this
        || (o instanceof ReadKey k
            && k.hash == hash
            && k.viewId.equals(viewId)
            && k.features.equals(features)
            && k.key.equals(key)
            && Objects.equals(k.asOf, asOf));
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return "ReadKey[" + viewId + ", " + features + ", " + key + ", " + asOf + "]";
  }
}
