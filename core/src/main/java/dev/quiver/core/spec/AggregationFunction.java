package dev.quiver.core.spec;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The declarative window aggregation functions. Each is computed from mergeable tile states (see
 * {@code dev.quiver.core.tile}); none stores a finished value per tile.
 */
public enum AggregationFunction {
  COUNT,
  SUM,
  AVG,
  MIN,
  MAX,
  STDDEV,
  FIRST,
  LAST,
  LAST_N,
  COUNT_DISTINCT;

  /**
   * Names other tools (pandas, Feast, SQL) give these functions. They are not accepted (one
   * spelling per function), but an error answers them with Quiver's name: edit distance alone
   * turned {@code mean} into "did you mean max?".
   */
  private static final Map<String, AggregationFunction> OTHER_NAMES =
      Map.ofEntries(
          Map.entry("mean", AVG),
          Map.entry("average", AVG),
          Map.entry("std", STDDEV),
          Map.entry("stdev", STDDEV),
          Map.entry("stddev_samp", STDDEV),
          Map.entry("nunique", COUNT_DISTINCT),
          Map.entry("distinct_count", COUNT_DISTINCT),
          Map.entry("approx_count_distinct", COUNT_DISTINCT),
          Map.entry("first_value", FIRST),
          Map.entry("last_value", LAST),
          Map.entry("latest", LAST));

  /** The function another tool calls {@code otherName} ({@code mean}: {@code avg}), if any. */
  public static Optional<AggregationFunction> otherToolsName(String otherName) {
    return otherName == null
        ? Optional.empty()
        : Optional.ofNullable(OTHER_NAMES.get(otherName.trim().toLowerCase(Locale.ROOT)));
  }

  public static Optional<AggregationFunction> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(valueOf(text.trim().toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The spec spelling, lowercase. */
  public String specName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The output type of this function over an input column of type {@code input}. */
  public FeatureType outputType(FeatureType input) {
    return switch (this) {
      case COUNT, COUNT_DISTINCT -> FeatureType.INT64;
      case AVG, STDDEV -> FeatureType.FLOAT64;
      case SUM ->
          input != null && input.scalar().isIntegral() ? FeatureType.INT64 : FeatureType.FLOAT64;
      case MIN, MAX, FIRST, LAST -> input;
      case LAST_N -> input == null ? null : FeatureType.arrayOf(input.scalar());
    };
  }
}
