package dev.quiver.core.spec;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** The naming rule for views, features, entities, sources, services and namespaces. */
final class Names {
  static final Pattern IDENTIFIER = Pattern.compile("[a-z][a-z0-9_]{0,62}");
  static final String RULE =
      "expected: lowercase letters, digits and _, starting with a letter, at most 63 characters";

  private Names() {}

  static boolean valid(String name) {
    return name != null && IDENTIFIER.matcher(name).matches();
  }

  /** Adds an error at {@code path} when {@code name} breaks the naming rule. */
  static void check(String name, String path, String what, List<SpecProblem> out) {
    if (name == null || name.isEmpty()) {
      out.add(
          problem(
              path, "missing (required)", "give the " + what + " a name, e.g. " + example(what)));
    } else if (!valid(name)) {
      out.add(
          problem(
              path,
              "'" + name + "' is not a valid " + what + " name (" + RULE + ")",
              "e.g. " + suggest(name)));
    }
  }

  /** {@code UserActivity-Metrics} → {@code user_activity_metrics}. */
  static String suggest(String name) {
    String s =
        name.replaceAll("([a-z0-9])([A-Z])", "$1_$2")
            .toLowerCase(Locale.ROOT)
            .replaceAll("[^a-z0-9_]+", "_")
            .replaceAll("_+", "_")
            .replaceAll("^_|_$", "");
    if (s.isEmpty() || !Character.isLetter(s.charAt(0))) {
      s = "f_" + s;
    }
    return s.length() > 63 ? s.substring(0, 63) : s;
  }

  private static String example(String what) {
    return switch (what) {
      case "view" -> "user_activity_metrics";
      case "entity" -> "user";
      case "source" -> "transactions";
      case "feature service" -> "fraud_model";
      default -> "user_7d_txn_count";
    };
  }

  static SpecProblem problem(String path, String message, String hint) {
    return new SpecProblem(SpecProblem.Severity.ERROR, null, path, 0, message, hint);
  }

  static SpecProblem warning(String path, String message, String hint) {
    return new SpecProblem(SpecProblem.Severity.WARNING, null, path, 0, message, hint);
  }
}
