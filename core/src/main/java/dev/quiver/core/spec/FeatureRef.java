package dev.quiver.core.spec;

import java.util.Objects;
import java.util.Optional;

/**
 * A reference to one feature: {@code view.feature}, {@code view:v3.feature}, or just {@code
 * feature} (resolved by the reader against the entity's views). {@code version} null means latest
 * ACTIVE.
 */
public record FeatureRef(String view, String version, String feature) {
  public FeatureRef {
    Objects.requireNonNull(feature, "feature");
  }

  /**
   * Parses {@code feature}, {@code feature:v3}, {@code view.feature}, {@code view:v3.feature}.
   *
   * @throws IllegalArgumentException naming the expected forms
   */
  public static FeatureRef parse(String text) {
    String t = Objects.requireNonNull(text, "feature reference").trim();
    if (t.isEmpty()) {
      throw new IllegalArgumentException(
          "feature reference: '' (expected: feature, feature:v3, view.feature or view:v3.feature)");
    }
    String view = null;
    String version = null;
    String feature;
    int dot = t.indexOf('.');
    int colon = t.indexOf(':');
    if (dot > 0 && (colon < 0 || colon < dot)) {
      String head = t.substring(0, dot);
      feature = t.substring(dot + 1);
      int c = head.indexOf(':');
      if (c >= 0) {
        view = head.substring(0, c);
        version = head.substring(c + 1);
      } else {
        view = head;
      }
    } else if (colon > 0) {
      feature = t.substring(0, colon);
      version = t.substring(colon + 1);
    } else {
      feature = t;
    }
    if (feature.isEmpty()
        || (view != null && view.isEmpty())
        || (version != null && version.isEmpty())) {
      throw new IllegalArgumentException(
          "feature reference: '"
              + text
              + "' (expected: feature, feature:v3, view.feature or view:v3.feature)");
    }
    return new FeatureRef(view, version, feature);
  }

  public Optional<String> viewOpt() {
    return Optional.ofNullable(view);
  }

  public Optional<String> versionOpt() {
    return Optional.ofNullable(version);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    if (view != null) {
      sb.append(view);
      if (version != null) {
        sb.append(':').append(version);
      }
      sb.append('.').append(feature);
    } else {
      sb.append(feature);
      if (version != null) {
        sb.append(':').append(version);
      }
    }
    return sb.toString();
  }
}
