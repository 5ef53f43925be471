package dev.quiver.catalog;

import dev.quiver.core.spec.Version;
import java.util.Objects;

/**
 * How a catalog table name maps to a feature view version. {@code my_view} is the newest ACTIVE
 * version; {@code my_view$v3} is the newest revision of major 3 (what a pinned consumer reads: only
 * compatible changes happen under a major); {@code my_view$v3.1} is exactly revision 1 of major 3
 * (and {@code my_view$v3.0} exactly its first revision). In Flink SQL a name with a dot must be
 * quoted: {@code SELECT * FROM `my_view$v3.1`}.
 *
 * @param view the feature view name
 * @param versionRef {@code "latest"}, {@code "v3"} or {@code "v3.1"}
 */
public record PinnedTableName(String view, String versionRef) {
  /** Separates the view name from the version in a pinned table name. */
  public static final char SEPARATOR = '$';

  public static final String LATEST = "latest";

  public PinnedTableName {
    Objects.requireNonNull(view, "view");
    Objects.requireNonNull(versionRef, "versionRef");
  }

  /**
   * Parses a table name.
   *
   * @throws IllegalArgumentException when the part after {@code $} is not a version, naming the
   *     expected spelling
   */
  public static PinnedTableName parse(String tableName) {
    int sep = tableName.indexOf(SEPARATOR);
    if (sep < 0) {
      return new PinnedTableName(tableName, LATEST);
    }
    String view = tableName.substring(0, sep);
    String ref = tableName.substring(sep + 1);
    if (view.isEmpty()) {
      throw new IllegalArgumentException(
          "table name '" + tableName + "': the view name before '$' is empty");
    }
    String normalized;
    try {
      Version v = Version.parse(ref);
      normalized =
          Version.isMajorOnly(ref) ? "v" + v.major() : "v" + v.major() + "." + v.revision();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "table name '"
              + tableName
              + "': '"
              + ref
              + "' is not a version; pin a version as "
              + view
              + "$v3 (newest revision of major 3) or `"
              + view
              + "$v3.1` (exactly v3.1)",
          e);
    }
    return new PinnedTableName(view, normalized);
  }

  /** The floating name of a major: {@code view$v3}. */
  public static String ofMajor(String view, int major) {
    return view + SEPARATOR + "v" + major;
  }

  /** The exact name of a revision: {@code view$v3.0}, {@code view$v3.1}. */
  public static String ofRevision(String view, Version version) {
    return view + SEPARATOR + "v" + version.major() + "." + version.revision();
  }

  public boolean isLatest() {
    return LATEST.equals(versionRef);
  }

  @Override
  public String toString() {
    return isLatest() ? view : view + SEPARATOR + versionRef;
  }
}
