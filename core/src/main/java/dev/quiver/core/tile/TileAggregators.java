package dev.quiver.core.tile;

import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import java.util.Objects;

/** Creates the {@link TileAggregator} for an aggregation over an input column type. */
public final class TileAggregators {
  private TileAggregators() {}

  /**
   * The aggregator of {@code aggregation} over a column of type {@code inputType}. Values given to
   * {@link TileAggregator#add} must already be of the canonical Java type for {@code inputType}
   * (see {@code ValueCodec.normalize}); {@code inputType} may be null only for {@code count(*)}.
   *
   * @throws IllegalArgumentException when the function does not apply to the input type
   */
  public static TileAggregator of(Aggregation aggregation, FeatureType inputType) {
    AggregationFunction f = aggregation.function();
    if (f == AggregationFunction.COUNT) {
      return new CountAggregator("*".equals(aggregation.column()));
    }
    Objects.requireNonNull(inputType, "inputType of " + f.specName() + "(" + aggregation.column());
    switch (f) {
      case SUM, AVG, STDDEV -> requireNumeric(f, aggregation.column(), inputType);
      default -> {}
    }
    return switch (f) {
      case COUNT -> throw new IllegalStateException();
      case SUM -> new SumAggregator(inputType.scalar().isIntegral());
      case AVG -> new AvgAggregator();
      case STDDEV -> new StddevAggregator();
      case MIN -> new ExtremumAggregator(inputType, false);
      case MAX -> new ExtremumAggregator(inputType, true);
      case FIRST -> new FirstLastAggregator(inputType, false);
      case LAST -> new FirstLastAggregator(inputType, true);
      case LAST_N -> new LastNAggregator(inputType, aggregation.n());
      case COUNT_DISTINCT -> new CountDistinctAggregator();
    };
  }

  /**
   * The aggregator of a window-aggregation feature, with the input type derived from the feature's
   * output dtype (min/max/first/last: the dtype; last_n: its element type; sum: integral iff the
   * dtype is). Writers and readers of the same feature get identical encodings.
   *
   * @throws IllegalArgumentException when the feature is not an aggregation
   */
  public static TileAggregator forFeature(Feature feature) {
    Aggregation agg = feature.aggregation();
    if (agg == null) {
      throw new IllegalArgumentException(
          "feature '" + feature.name() + "' is a row feature (expected: a window aggregation)");
    }
    FeatureType dtype = feature.dtype();
    FeatureType input =
        switch (agg.function()) {
          case COUNT -> null;
          case AVG, STDDEV -> FeatureType.FLOAT64;
          case COUNT_DISTINCT -> FeatureType.STRING;
          case LAST_N -> new FeatureType(dtype.scalar(), false);
          default -> dtype;
        };
    return of(agg, input);
  }

  private static void requireNumeric(AggregationFunction f, String column, FeatureType t) {
    if (t.array() || !t.scalar().isNumeric()) {
      throw new IllegalArgumentException(
          f.specName()
              + "("
              + column
              + "): input type "
              + t
              + " (expected: a numeric column: INT32, INT64, FLOAT32 or FLOAT64)");
    }
  }

  /**
   * The name of the tile series of {@code aggregation}: features that differ only by window share
   * one series of tiles, e.g. {@code sum(amount)}, {@code count(*)}, {@code last_n(merchant,10)}.
   * Used as the tile qualifier prefix in the online store.
   */
  public static String seriesName(Aggregation aggregation) {
    String base = aggregation.function().specName() + "(" + aggregation.column();
    return aggregation.function() == AggregationFunction.LAST_N
        ? base + "," + aggregation.n() + ")"
        : base + ")";
  }
}
