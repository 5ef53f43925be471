package dev.quiver.cli;

import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Version;

/**
 * A view named on the command line: {@code [namespace.]view[:version]}, e.g. {@code
 * user_activity_metrics}, {@code risk.merchant_risk:v2}, {@code merchant_risk:v2.1}.
 *
 * @param version null when not given
 */
record ViewRef(String namespace, String view, String version) {

  static ViewRef parse(String text, String defaultNamespace) {
    String t = text.trim();
    if (t.matches("\\d{4}-\\d{2}.*")) {
      // Feast's "materialize START END": the time was read as the view ("unknown feature view
      // 'default.2024-05-01'", or "version '00:00Z' is not a version")
      throw new QuiverCli.CliUsageException(
          "'"
              + text
              + "' is a time, not a view (expected: [namespace.]view[:version] first); a range of"
              + " history is quiver backfill VIEW --from "
              + t
              + " --to END (--online for the online store too)");
    }
    String version = null;
    int colon = t.indexOf(':');
    if (colon >= 0) {
      version = t.substring(colon + 1);
      t = t.substring(0, colon);
    }
    String ns = defaultNamespace == null ? FeatureView.DEFAULT_NAMESPACE : defaultNamespace;
    int dot = t.indexOf('.');
    if (dot >= 0) {
      ns = t.substring(0, dot);
      t = t.substring(dot + 1);
    }
    if (t.isEmpty() || ns.isEmpty() || (version != null && version.isEmpty())) {
      throw new QuiverCli.CliUsageException(
          "'"
              + text
              + "' is not a view reference (expected: [namespace.]view[:version], e.g."
              + " risk.merchant_risk:v2)");
    }
    if (version != null && !version.trim().equalsIgnoreCase("latest")) {
      try {
        Version.parse(version);
      } catch (IllegalArgumentException e) {
        throw new QuiverCli.CliUsageException(
            "'"
                + text
                + "': version '"
                + version
                + "' is not a version (expected: latest, v<major> or v<major>.<revision>, e.g."
                + " merchant_risk:v2 or merchant_risk:v2.1)");
      }
    }
    return new ViewRef(ns, t, version);
  }

  @Override
  public String toString() {
    return namespace + "." + view + (version == null ? "" : ":" + version);
  }
}
