package dev.quiver.core.spec;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A feature view version: a major number chosen by the spec author ({@code version: v3}) and a
 * revision the registry assigns to each compatible change under that major. Written {@code v3} for
 * revision 0 and {@code v3.2} otherwise. Breaking changes need a new major; the physical layout
 * (online column family, Iceberg table) is per major, so compatible revisions only ever add
 * columns.
 */
public record Version(int major, int revision) implements Comparable<Version> {
  private static final Pattern TEXT = Pattern.compile("[vV]?(\\d{1,6})(?:\\.(\\d{1,6}))?");

  public Version {
    if (major < 1) {
      throw new IllegalArgumentException("version major: " + major + " (expected: >= 1)");
    }
    if (revision < 0) {
      throw new IllegalArgumentException("version revision: " + revision + " (expected: >= 0)");
    }
  }

  public static Version of(int major) {
    return new Version(major, 0);
  }

  /**
   * Parses {@code v3}, {@code 3}, {@code v3.1}.
   *
   * @throws IllegalArgumentException with the expected spelling
   */
  public static Version parse(String text) {
    Matcher m = TEXT.matcher(Objects.requireNonNull(text, "version").trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "version: '" + text + "' (expected: v<major> or v<major>.<revision>, e.g. v3)");
    }
    int major = Integer.parseInt(m.group(1));
    int rev = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
    return new Version(major, rev);
  }

  /**
   * Whether {@code text} names just a major ({@code v3}), which resolves to its newest revision.
   */
  public static boolean isMajorOnly(String text) {
    Matcher m = TEXT.matcher(text.trim());
    return m.matches() && m.group(2) == null;
  }

  @Override
  public int compareTo(Version o) {
    int c = Integer.compare(major, o.major);
    return c != 0 ? c : Integer.compare(revision, o.revision);
  }

  @Override
  public String toString() {
    return revision == 0 ? "v" + major : "v" + major + "." + revision;
  }
}
