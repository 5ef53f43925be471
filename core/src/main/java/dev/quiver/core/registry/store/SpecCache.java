package dev.quiver.core.registry.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.quiver.core.spec.FeatureView;

/**
 * Decoded specs by version id. Safe to share between processes' views of one database because a
 * version's spec is immutable once written (a change is always a new row with a new id); the
 * mutable parts of a version (status, sunset) are never cached. Saves the JSON decoding that
 * dominates listing 1,000 views.
 */
final class SpecCache {
  private final Cache<String, FeatureView> cache;

  SpecCache(long maxEntries) {
    this.cache = Caffeine.newBuilder().maximumSize(maxEntries).build();
  }

  FeatureView get(String id) {
    return cache.getIfPresent(id);
  }

  void put(String id, FeatureView view) {
    cache.put(id, view);
  }
}
