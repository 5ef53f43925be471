package dev.quiver.core.spec;

import dev.quiver.core.spec.SpecTree.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads one entry of a view's {@code features:}. A row feature is one draft; an aggregation with
 * {@code windows: [1h, 1d, 7d]} expands to one draft per window, named {@code <name>_<window>}.
 */
final class FeatureReader {
  static final Set<String> KEYS =
      Set.of("name", "dtype", "description", "expr", "aggregation", "tags");
  static final Set<String> AGG_KEYS = Set.of("column", "function", "window", "windows", "n");
  static final List<String> FUNCTIONS =
      Arrays.stream(AggregationFunction.values()).map(AggregationFunction::specName).toList();

  private FeatureReader() {}

  static List<ViewDraft.FeatureDraft> read(Fields f, String path) {
    f.allowOnly(KEYS, "a feature");
    String name = f.requiredText("name", "name the feature, e.g. name: user_7d_txn_count");
    FeatureType dtype = null;
    if (f.has("dtype")) {
      dtype = SpecTypes.read(f.node("dtype"), f.problems(), "dtype").orElse(null);
    }
    boolean dtypeBroken = f.has("dtype") && dtype == null;
    String description = f.text("description");
    String expr = f.text("expr");
    Map<String, String> tags = f.scalarMap("tags");
    List<ViewDraft.FeatureDraft> out = new ArrayList<>();
    if (name == null) {
      return out;
    }
    if (!f.has("aggregation")) {
      if (!f.has("dtype")) {
        f.problems()
            .error(
                "dtype",
                "missing (required for a row feature)",
                "give its type, e.g. dtype: FLOAT64; " + SpecTypes.LIST);
      }
      if (dtype != null || dtypeBroken || !f.has("dtype")) {
        out.add(new ViewDraft.FeatureDraft(name, dtype, description, expr, null, tags, path, null));
      }
      return out;
    }
    Optional<Fields> agg =
        Fields.of(
            f.node("aggregation"),
            f.problems(),
            "aggregation",
            "{column: amount_usd, function: sum, windows: [1h, 1d, 7d]}");
    if (agg.isEmpty()) {
      return out;
    }
    Fields a = agg.get();
    a.allowOnly(AGG_KEYS, "an aggregation");
    String column = a.requiredText("column", "name the source column, or column: '*' for count");
    AggregationFunction function = null;
    if (a.require("function", "choose one of: " + String.join(", ", FUNCTIONS))) {
      String fn = a.text("function");
      function = AggregationFunction.parse(fn).orElse(null);
      if (fn != null && function == null) {
        a.problems()
            .error(
                "function",
                "'" + fn + "' is not an aggregation function",
                AggregationFunction.otherToolsName(fn)
                        .map(AggregationFunction::specName)
                        .or(() -> Suggestions.closest(fn, FUNCTIONS))
                        .map(c -> "did you mean " + c + "? ")
                        .orElse("")
                    + "Functions: "
                    + String.join(", ", FUNCTIONS));
      }
    }
    Long n = a.integer("n", "write n: 10 (how many recent values last_n keeps, 1..1000)");
    if (n != null && n == 0 && function != null) {
      // the model keeps 0 for "no n", so the validator cannot tell n: 0 from a missing n
      if (function == AggregationFunction.LAST_N) {
        a.problems()
            .error(
                "n",
                "0 (expected: 1..1000)",
                "write n: 10 (how many most recent values to keep, 1..1000)");
      } else {
        a.problems().error("n", "0 (n is only for last_n)", "remove n, or use function: last_n");
      }
    }
    List<Duration> windows = new ArrayList<>();
    List<String> windowPaths = new ArrayList<>();
    boolean expand = a.has("windows");
    if (a.has("window") && a.has("windows")) {
      a.problems()
          .error(
              "windows",
              "given together with window",
              "keep one: window: 7d, or windows: [1h, 1d, 7d]");
    } else if (a.has("window")) {
      Duration w = a.duration("window");
      if (w != null) {
        windows.add(w);
        windowPaths.add(path + ".aggregation.window");
      }
    } else if (a.require(
        "windows", "give the window(s), e.g. windows: [1h, 1d, 7d] or window: 7d")) {
      List<Node> items = a.scalarList("windows", "windows: [1h, 1d, 7d]");
      if (items.isEmpty() && a.node("windows") instanceof SpecTree.ListNode) {
        a.problems()
            .error("windows", "[] (expected: at least one window)", "e.g. windows: [1h, 1d, 7d]");
      }
      for (int i = 0; i < items.size(); i++) {
        String wp = "windows[" + i + "]";
        Fields.parseDuration(items.get(i), a.problems(), wp)
            .ifPresent(
                w -> {
                  windows.add(w);
                  windowPaths.add(path + ".aggregation." + wp);
                });
      }
    }
    if (column == null || function == null) {
      return out;
    }
    if (windows.isEmpty() && n != null && n != 0) {
      // No window, so no feature for FeatureRules to check n on: check it here (n: 0 is above)
      if (function != AggregationFunction.LAST_N) {
        a.problems().error("n", n + " (n is only for last_n)", "remove n, or use function: last_n");
      } else if (n < 1 || n > FeatureRules.MAX_LAST_N) {
        a.problems()
            .error(
                "n",
                n + " (expected: 1.." + FeatureRules.MAX_LAST_N + ")",
                "write n: 10 (how many most recent values to keep, 1.."
                    + FeatureRules.MAX_LAST_N
                    + ")");
      }
    }
    for (int i = 0; i < windows.size(); i++) {
      Duration w = windows.get(i);
      String featureName = expand ? name + "_" + Durations.format(w) : name;
      Aggregation aggregation =
          new Aggregation(
              column,
              function,
              w,
              n == null ? 0 : (int) Math.max(Integer.MIN_VALUE, Math.min(n, Integer.MAX_VALUE)));
      out.add(
          new ViewDraft.FeatureDraft(
              featureName, dtype, description, expr, aggregation, tags, path, windowPaths.get(i)));
    }
    return out;
  }
}
