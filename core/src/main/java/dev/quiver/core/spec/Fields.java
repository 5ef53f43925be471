package dev.quiver.core.spec;

import dev.quiver.core.spec.SpecTree.ListNode;
import dev.quiver.core.spec.SpecTree.MapNode;
import dev.quiver.core.spec.SpecTree.Node;
import dev.quiver.core.spec.SpecTree.ScalarNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed, reporting access to one mapping of a spec document. Every getter reports a wrong value to
 * the {@link Problems} log (with its path and line) and returns null/empty, so that reading goes on
 * and every problem of a file is found in one pass.
 */
final class Fields {
  static final String DURATION_HINT = "write a whole number and a unit: 500ms, 30s, 5m, 1h, 7d, 2w";

  private final MapNode map;
  private final Problems problems;

  private Fields(MapNode map, Problems problems) {
    this.map = map;
    this.problems = problems;
  }

  /** The mapping at {@code node}, or empty after reporting that {@code path} must be one. */
  static Optional<Fields> of(Node node, Problems problems, String path, String example) {
    if (node instanceof MapNode m) {
      return Optional.of(new Fields(m, problems.under(path)));
    }
    if (SpecTree.unreadable(node)) {
      return Optional.empty();
    }
    problems.error(path, node.describe() + " (expected: a mapping)", "write it as " + example);
    return Optional.empty();
  }

  Problems problems() {
    return problems;
  }

  Set<String> keys() {
    return map.fields().keySet();
  }

  boolean has(String key) {
    return map.fields().containsKey(key);
  }

  Node node(String key) {
    return map.fields().get(key);
  }

  /**
   * Feast's names of spec keys, answered with Quiver's where that key is allowed ({@code
   * time_window} of Feast's {@code Aggregation} got no "did you mean" at all).
   */
  private static final Map<String, String> FEAST_KEYS =
      Map.of(
          "time_window", "window",
          "timestamp_field", "event_time_field",
          "schema", "features",
          "batch_source", "source",
          "stream_source", "source",
          "entity", "entities");

  /** Reports every key not in {@code allowed} with a "did you mean" and the allowed keys. */
  void allowOnly(Set<String> allowed, String what) {
    for (String key : map.fields().keySet()) {
      if (!allowed.contains(key)) {
        String dym =
            Optional.ofNullable(FEAST_KEYS.get(key))
                .filter(allowed::contains)
                .or(() -> Suggestions.closest(key, allowed))
                .map(c -> "did you mean " + c + "? ")
                .orElse("");
        problems.error(
            key,
            "unknown key '" + key + "' in " + what,
            dym + "Keys: " + String.join(", ", new TreeSet<>(allowed)));
      }
    }
  }

  /** Reports {@code key} as missing when absent; returns whether it is present. */
  boolean require(String key, String hint) {
    if (!has(key)) {
      problems.error(key, "missing (required)", hint);
      return false;
    }
    return true;
  }

  /** A scalar's text (numbers and booleans as written); null when absent or not a scalar. */
  String text(String key) {
    Node n = node(key);
    if (n == null || SpecTree.unreadable(n)) {
      return null;
    }
    if (n instanceof ScalarNode s && s.type() != ScalarNode.Type.NULL) {
      return s.text();
    }
    problems.error(key, n.describe() + " (expected: a single value)", "write " + key + ": <value>");
    return null;
  }

  String requiredText(String key, String hint) {
    return require(key, hint) ? text(key) : null;
  }

  /** A whole number; null when absent or wrong (reported). */
  Long integer(String key, String hint) {
    Node n = node(key);
    if (n == null || SpecTree.unreadable(n)) {
      return null;
    }
    if (n instanceof ScalarNode s && s.type() == ScalarNode.Type.INTEGER) {
      try {
        return Long.parseLong(s.text().replace("_", ""));
      } catch (NumberFormatException e) {
        // falls through to the report below
      }
    }
    problems.error(key, n.describe() + " (expected: a whole number)", hint);
    return null;
  }

  /** {@code true}/{@code false}; null when absent or wrong (reported). */
  Boolean bool(String key) {
    Node n = node(key);
    if (n == null || SpecTree.unreadable(n)) {
      return null;
    }
    if (n instanceof ScalarNode s
        && (s.text().equals("true") || s.text().equals("false"))
        && s.type() != ScalarNode.Type.NULL) {
      return Boolean.parseBoolean(s.text());
    }
    problems.error(key, n.describe() + " (expected: true or false)", "write " + key + ": true");
    return null;
  }

  /** A duration written {@code 5m}/{@code 7d}; null when absent or wrong (reported). */
  Duration duration(String key) {
    Node n = node(key);
    if (n == null || SpecTree.unreadable(n)) {
      return null;
    }
    return parseDuration(n, problems, key).orElse(null);
  }

  static Optional<Duration> parseDuration(Node n, Problems problems, String path) {
    if (SpecTree.unreadable(n)) {
      return Optional.empty();
    }
    if (n instanceof ScalarNode s && s.type() != ScalarNode.Type.NULL) {
      String t = s.text().trim();
      if (t.startsWith("-")) {
        problems.error(path, "'" + t + "' is negative (expected: >= 0)", DURATION_HINT);
        return Optional.empty();
      }
      if (s.type() == ScalarNode.Type.INTEGER) {
        problems.error(
            path, "'" + t + "' has no unit", "write " + t + "s for seconds, or " + DURATION_HINT);
        return Optional.empty();
      }
      Optional<Duration> d = Durations.parse(t);
      if (d.isEmpty()) {
        problems.error(path, "'" + t + "' is not a duration", DURATION_HINT);
      }
      return d;
    }
    problems.error(path, n.describe() + " (expected: a duration)", DURATION_HINT);
    return Optional.empty();
  }

  /** The items of a list; empty (reported) when it is something else, null when absent. */
  List<Node> list(String key, String example) {
    return list(key, example, false);
  }

  /**
   * The items of a list of scalars ({@code entities: [user]}, {@code windows: [1h, 1d]}); a single
   * scalar written without brackets ({@code entities: account}) is reported with the author's own
   * value in brackets as the fix ({@code entities: [account]}), not the generic example.
   */
  List<Node> scalarList(String key, String example) {
    return list(key, example, true);
  }

  private List<Node> list(String key, String example, boolean scalarItems) {
    Node n = node(key);
    if (n == null) {
      return null;
    }
    if (SpecTree.unreadable(n)) {
      return List.of();
    }
    if (n instanceof ListNode l) {
      return l.items();
    }
    String fix = example;
    if (scalarItems
        && n instanceof ScalarNode s
        && s.type() != ScalarNode.Type.NULL
        && !s.text().isBlank()) {
      fix = key + ": [" + s.text() + "]";
    }
    problems.error(key, n.describe() + " (expected: a list)", "write it as " + fix);
    return List.of();
  }

  /** A list of plain texts, e.g. {@code entities: [user]}; wrong items are reported and skipped. */
  List<String> texts(String key, String example) {
    List<Node> items = scalarList(key, example);
    if (items == null) {
      return null;
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      if (items.get(i) instanceof ScalarNode s && s.type() != ScalarNode.Type.NULL) {
        if (!SpecTree.unreadable(s)) {
          out.add(s.text());
        }
      } else {
        problems.error(
            key + "[" + i + "]",
            items.get(i).describe() + " (expected: a name)",
            "write it as " + example);
      }
    }
    return out;
  }

  /**
   * A mapping of names to scalars (tags, options). Scalars keep the text as written, so {@code pii:
   * no} is the string {@code "no"} and {@code retries: 3} is {@code "3"}.
   */
  Map<String, String> scalarMap(String key) {
    Node n = node(key);
    if (n == null || SpecTree.unreadable(n)) {
      return null;
    }
    Map<String, String> out = new LinkedHashMap<>();
    if (!(n instanceof MapNode m)) {
      problems.error(
          key,
          n.describe() + " (expected: a mapping of names to values)",
          "write it as " + key + ": {domain: payments}");
      return out;
    }
    m.fields()
        .forEach(
            (k, v) -> {
              if (SpecTree.unreadable(v)) {
                return;
              }
              if (v instanceof ScalarNode s && s.type() != ScalarNode.Type.NULL) {
                out.put(k, s.text());
              } else {
                problems.error(
                    key + "." + k,
                    v.describe() + " (expected: a single text, number or boolean)",
                    "write " + k + ": <value>, e.g. " + k + ": \"yes\"");
              }
            });
    return out;
  }
}
