package dev.quiver.core.spec;

import java.util.Locale;
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
