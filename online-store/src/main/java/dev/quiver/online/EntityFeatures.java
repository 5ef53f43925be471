package dev.quiver.online;

import java.util.Map;

/**
 * The features of one entity key read by {@link FeatureReader}.
 *
 * @param status OK: every requested feature has a value; PARTIAL: some row features are missing
 *     (never written, or past the TTL); NOT_FOUND: nothing stored for the key in range (window
 *     aggregations are still given, as their empty-window value); ERROR: the store failed for this
 *     key, see {@code error}
 * @param features feature name → value; row features that are missing are absent
 * @param error null unless status is ERROR
 */
public record EntityFeatures(Status status, Map<String, FeatureValue> features, Throwable error) {

  /** Per-key status. */
  public enum Status {
    OK,
    PARTIAL,
    NOT_FOUND,
    ERROR
  }
}
