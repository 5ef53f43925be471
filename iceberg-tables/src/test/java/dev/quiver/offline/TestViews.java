package dev.quiver.offline;

import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.SourceField;
import dev.quiver.core.spec.Version;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Feature views used across the offline tests. */
public final class TestViews {
  private TestViews() {}

  public static Feature agg(
      String name, String column, AggregationFunction fn, Duration window, FeatureType dtype) {
    return agg(name, column, fn, window, dtype, 0);
  }

  public static Feature agg(
      String name,
      String column,
      AggregationFunction fn,
      Duration window,
      FeatureType dtype,
      int n) {
    return new Feature(name, dtype, "", null, new Aggregation(column, fn, window, n), Map.of());
  }

  public static Source txnSource() {
    return new Source(
        "default",
        "txns",
        "kafka",
        List.of(
            new SourceField("user_id", FeatureType.STRING),
            new SourceField("amount", FeatureType.FLOAT64),
            new SourceField("merchant", FeatureType.STRING),
            new SourceField("ts", FeatureType.TIMESTAMP)),
        "ts",
        null,
        Duration.ZERO,
        Map.of("topic", "txns"));
  }

  /** user: a row feature view (last amount / merchant) with a 2h ttl. */
  public static FeatureView userProfile() {
    return FeatureView.builder("user_profile")
        .entities(List.of("user"))
        .source(txnSource())
        .ttl(Duration.ofHours(2))
        .features(
            List.of(
                Feature.row("last_amount", FeatureType.FLOAT64),
                Feature.row("last_merchant", FeatureType.STRING)))
        .build();
  }

  /** user: every aggregation function over 1h and 3h windows, tile 5 minutes. */
  public static FeatureView userTxnAggs() {
    List<Feature> fs = new ArrayList<>();
    for (Duration w : List.of(Duration.ofHours(1), Duration.ofHours(3))) {
      String s = w.toHours() + "h";
      fs.add(agg("cnt_" + s, "*", AggregationFunction.COUNT, w, FeatureType.INT64));
      fs.add(agg("sum_" + s, "amount", AggregationFunction.SUM, w, FeatureType.FLOAT64));
      fs.add(agg("avg_" + s, "amount", AggregationFunction.AVG, w, FeatureType.FLOAT64));
      fs.add(agg("min_" + s, "amount", AggregationFunction.MIN, w, FeatureType.FLOAT64));
      fs.add(agg("max_" + s, "amount", AggregationFunction.MAX, w, FeatureType.FLOAT64));
      fs.add(agg("std_" + s, "amount", AggregationFunction.STDDEV, w, FeatureType.FLOAT64));
      fs.add(agg("first_" + s, "merchant", AggregationFunction.FIRST, w, FeatureType.STRING));
      fs.add(agg("last_" + s, "merchant", AggregationFunction.LAST, w, FeatureType.STRING));
      fs.add(
          agg(
              "lastn_" + s,
              "merchant",
              AggregationFunction.LAST_N,
              w,
              FeatureType.arrayOf(FeatureType.Scalar.STRING),
              3));
      fs.add(
          agg(
              "distinct_" + s,
              "merchant",
              AggregationFunction.COUNT_DISTINCT,
              w,
              FeatureType.INT64));
    }
    return FeatureView.builder("user_txn_aggs")
        .entities(List.of("user"))
        .source(txnSource())
        .ttl(Duration.ofDays(1))
        .tileSize(Duration.ofMinutes(5))
        .features(fs)
        .build();
  }

  /** merchant: a row feature with a short 30 minute ttl and a version 2 major. */
  public static FeatureView merchantRisk() {
    return FeatureView.builder("merchant_risk")
        .entities(List.of("merchant"))
        .version(Version.of(2))
        .source(txnSource())
        .ttl(Duration.ofMinutes(30))
        .features(
            List.of(
                Feature.row("risk_score", FeatureType.FLOAT64),
                Feature.row("risk_level", FeatureType.INT32)))
        .build();
  }
}
