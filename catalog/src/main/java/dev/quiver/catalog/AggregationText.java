package dev.quiver.catalog;

import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Durations;
import dev.quiver.core.spec.Suggestions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The table-option spelling of a window aggregation: {@code count(*) over 7d}, {@code sum(amount)
 * over 1h}, {@code last_n(merchant_id, 10) over 1d}.
 */
final class AggregationText {
  private static final Pattern TEXT =
      Pattern.compile(
          "\\s*([A-Za-z_]+)\\s*\\(\\s*(\\*|[A-Za-z_][A-Za-z0-9_]*)\\s*(?:,\\s*(\\d{1,6})\\s*)?\\)"
              + "\\s+over\\s+(\\S.*?)\\s*",
          Pattern.CASE_INSENSITIVE);

  private static final List<String> FUNCTIONS =
      Arrays.stream(AggregationFunction.values()).map(AggregationFunction::specName).toList();

  private AggregationText() {}

  static String format(Aggregation a) {
    String args =
        a.function() == AggregationFunction.LAST_N ? a.column() + ", " + a.n() : a.column();
    return a.function().specName() + "(" + args + ") over " + Durations.format(a.window());
  }

  /**
   * Parses the option spelling.
   *
   * @throws IllegalArgumentException saying what is wrong and showing the expected form
   */
  static Aggregation parse(String text) {
    Matcher m = TEXT.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not an aggregation; write it as <function>(<column>) over <window>, e.g."
              + " 'count(*) over 7d' or 'sum(amount) over 1h'");
    }
    AggregationFunction fn =
        AggregationFunction.parse(m.group(1))
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "'"
                            + m.group(1)
                            + "' is not an aggregation function"
                            + AggregationFunction.otherToolsName(m.group(1))
                                .map(AggregationFunction::specName)
                                .or(() -> Suggestions.closest(m.group(1), FUNCTIONS))
                                .map(c -> "; did you mean " + c + "?")
                                .orElse("")
                            + "; functions: "
                            + String.join(", ", FUNCTIONS)));
    Duration window =
        Durations.parse(m.group(4))
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "window '"
                            + m.group(4)
                            + "' is not a duration; write a whole number and a unit, without a"
                            + " space: 5m, 1h, 7d (one window per option)"));
    int n = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
    if (fn == AggregationFunction.LAST_N && n <= 0) {
      throw new IllegalArgumentException(
          "last_n needs a count: write 'last_n(" + m.group(2) + ", 10) over " + m.group(4) + "'");
    }
    if (fn != AggregationFunction.LAST_N && n != 0) {
      throw new IllegalArgumentException(
          fn.specName().toLowerCase(Locale.ROOT) + " takes one argument, not a count");
    }
    return new Aggregation(m.group(2), fn, window, n);
  }
}
