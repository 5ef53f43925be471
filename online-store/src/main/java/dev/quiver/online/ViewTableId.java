package dev.quiver.online;

import dev.quiver.core.spec.FeatureView;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The online home of one feature view major version: a column family (HBase) or RocksDB column
 * family (embedded) named {@link #familyName()}, e.g. {@code default.user_activity.v3}. Compatible
 * revisions of a major only add features, so they share the family.
 */
public record ViewTableId(String namespace, String view, int major) {
  private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9_\\-]");

  public ViewTableId {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(view, "view");
    if (namespace.isBlank() || view.isBlank()) {
      throw new IllegalArgumentException(
          "view table: '" + namespace + "." + view + "' (expected: non-blank namespace and view)");
    }
    if (major < 1) {
      throw new IllegalArgumentException("major: " + major + " (expected: >= 1)");
    }
  }

  /** The table of a view's major version. */
  public static ViewTableId of(FeatureView view) {
    return new ViewTableId(view.namespace(), view.name(), view.version().major());
  }

  /**
   * {@code <namespace>.<view>.v<major>} with characters outside {@code [A-Za-z0-9_-]} in the names
   * replaced by {@code _}: a valid HBase column family and RocksDB column family name.
   */
  public String familyName() {
    return sanitize(namespace) + "." + sanitize(view) + ".v" + major;
  }

  private static String sanitize(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean safe =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '_'
              || c == '-';
      if (!safe) {
        return UNSAFE.matcher(s).replaceAll("_");
      }
    }
    return s; // the common case, without a regex on the read path
  }

  @Override
  public String toString() {
    return familyName();
  }
}
