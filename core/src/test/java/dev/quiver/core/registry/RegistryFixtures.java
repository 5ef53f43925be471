package dev.quiver.core.registry;

import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.SourceField;
import dev.quiver.core.spec.Transformation;
import dev.quiver.core.spec.Version;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Specs for registry tests, built with {@link FeatureView#builder} (no YAML parser involved). */
final class RegistryFixtures {
  static final String NS = FeatureView.DEFAULT_NAMESPACE;
  static final String VIEW = "user_activity_metrics";

  private RegistryFixtures() {}

  static Source transactions() {
    return new Source(
        NS,
        "transactions",
        "kafka",
        List.of(
            new SourceField("user_id", FeatureType.STRING),
            new SourceField("amount", FeatureType.FLOAT64),
            new SourceField("merchant", FeatureType.STRING),
            new SourceField("event_time", FeatureType.TIMESTAMP),
            new SourceField("txn_id", FeatureType.STRING)),
        "event_time",
        "txn_id",
        Duration.ofSeconds(5),
        Map.of("topic", "transactions", "format", "json", "bootstrap_servers", "localhost:9092"));
  }

  static Feature count7d() {
    return new Feature(
        "user_7d_txn_count",
        FeatureType.INT64,
        "transactions in the last 7 days",
        null,
        new Aggregation("*", AggregationFunction.COUNT, Duration.ofDays(7), 0),
        Map.of());
  }

  static Feature spend30d() {
    return new Feature(
        "user_total_spend_usd",
        FeatureType.FLOAT64,
        "spend in the last 30 days",
        null,
        new Aggregation("amount", AggregationFunction.SUM, Duration.ofDays(30), 0),
        Map.of());
  }

  static Feature lastMerchant() {
    return new Feature(
        "user_last_merchant", FeatureType.STRING, "", "merchant", null, Map.of("pii", "no"));
  }

  /** The PRD's user_activity_metrics view at {@code major}, tweaked by {@code tweak}. */
  static FeatureView view(int major, Consumer<FeatureView.Builder> tweak) {
    return view(VIEW, major, tweak);
  }

  static FeatureView view(String name, int major, Consumer<FeatureView.Builder> tweak) {
    FeatureView.Builder b =
        FeatureView.builder(name)
            .version(Version.of(major))
            .entities(List.of("user"))
            .source(transactions())
            .features(List.of(count7d(), spend30d(), lastMerchant()))
            .transformations(
                List.of(
                    new Transformation(
                        "flink", "SELECT user_id, merchant, amount, event_time FROM transactions")))
            .ttl(Duration.ofDays(7))
            .slaFreshness(Duration.ofSeconds(60))
            .allowedLateness(Duration.ofMinutes(10))
            .owner("a.patel@example.com")
            .description("User activity over payments")
            .tags(Map.of("domain", "payments", "pii", "no"));
    tweak.accept(b);
    return b.build();
  }

  static FeatureView view(int major) {
    return view(major, b -> {});
  }

  /** The base features plus {@code extra}. */
  static List<Feature> plus(Feature... extra) {
    List<Feature> out = new ArrayList<>(List.of(count7d(), spend30d(), lastMerchant()));
    out.addAll(List.of(extra));
    return out;
  }

  static Feature rowFeature(String name, FeatureType type) {
    return new Feature(name, type, "", null, null, Map.of());
  }
}
