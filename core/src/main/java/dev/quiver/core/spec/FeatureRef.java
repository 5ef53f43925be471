package dev.quiver.core.spec;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reference to one feature: {@code view.feature}, {@code view:v3.feature}, or just {@code
 * feature} (resolved by the reader against the entity's views). {@code version} null means latest
 * ACTIVE.
 */
public record FeatureRef(String view, String version, String feature) {
  /**
   * @throws IllegalArgumentException when {@code version} is neither null, {@code latest} nor a
   *     version {@link Version#parse} reads ({@code v3}, {@code 3}, {@code v3.1})
   */
  public FeatureRef {
    Objects.requireNonNull(feature, "feature");
    if (version != null && !version.trim().equalsIgnoreCase("latest")) {
      Version.parse(version);
    }
  }

  /**
   * Parses {@code feature}, {@code feature:v3}, {@code view.feature}, {@code view:v3.feature}.
   *
   * @throws IllegalArgumentException naming the expected forms
   */
  public static FeatureRef parse(String text) {
    String t = Objects.requireNonNull(text, "feature reference").trim();
    if (!t.isEmpty() && t.indexOf('.') < 0 && t.indexOf(':') < 0) {
      return new FeatureRef(null, null, t); // a bare name (no pattern below can match it)
    }
    Matcher m;
    if ((m = PINNED.matcher(t)).matches()) {
      return new FeatureRef(m.group(1), version(m.group(2)), m.group(3));
    }
    if ((m = FEATURE_VERSION.matcher(t)).matches()) {
      return new FeatureRef(null, version(m.group(2)), m.group(1));
    }
    if ((m = VIEW_FEATURE.matcher(t)).matches()) {
      return new FeatureRef(m.group(1), null, m.group(2));
    }
    String hint = "";
    if (t.length() <= 200 && (m = FEAST_STYLE.matcher(t)).matches()) {
      // Feast's view:feature, which a user coming from Feast writes first
      hint =
          "; ':' pins a version: for feature "
              + m.group(2)
              + " of view "
              + m.group(1)
              + " write "
              + m.group(1)
              + "."
              + m.group(2)
              + ", where Feast writes view:feature";
    }
    throw new IllegalArgumentException(
        "feature reference: '"
            + text
            + "' (expected: feature, feature:v3, view.feature or view:v3.feature"
            + hint
            + ")");
  }

  /** {@code latest} in any case is spelt {@code latest}; other versions are kept as written. */
  private static String version(String v) {
    return v.equalsIgnoreCase("latest") ? "latest" : v;
  }

  // A version is v3, 3, v3.1 or latest; names hold neither '.' nor ':'. "view:v3.1.feature" is
  // revision 1 of major 3, as a feature name cannot start with a digit.
  private static final String VERSION = "([vV]?\\d+(?:\\.\\d+)?|(?i:latest))";
  private static final Pattern PINNED =
      Pattern.compile("([^.:]+):" + VERSION + "\\.([^.:0-9][^.:]*)");
  private static final Pattern FEATURE_VERSION = Pattern.compile("([^.:]+):" + VERSION);
  private static final Pattern VIEW_FEATURE = Pattern.compile("([^.:]+)\\.([^.:]+)");
  private static final Pattern FEAST_STYLE = Pattern.compile("([^.:\\s]+):([^.:\\s]+)");

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
