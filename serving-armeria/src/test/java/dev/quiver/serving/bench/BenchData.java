package dev.quiver.serving.bench;

import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Version;
import dev.quiver.serving.FeatureSource;
import dev.quiver.serving.InMemoryFeatureRegistry;
import dev.quiver.serving.InMemoryFeatureSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The bench data set: entity {@code user}, view {@code user_activity_metrics:v1} with 5 features
 * (INT64, FLOAT64, STRING, BOOL, INT64), {@code keys} users with every feature written.
 */
public final class BenchData implements AutoCloseable {
  static final List<String> FEATURES =
      List.of("txn_count", "total_spend_usd", "segment", "is_premium", "days_active");
  private final FeatureRegistry registry;
  private final FeatureSource source;

  private BenchData(FeatureRegistry registry, FeatureSource source) {
    this.registry = registry;
    this.source = source;
  }

  static FeatureView view() {
    return FeatureView.builder("user_activity_metrics")
        .version(Version.of(1))
        .entities(List.of("user"))
        .features(
            List.of(
                Feature.row("txn_count", FeatureType.INT64),
                Feature.row("total_spend_usd", FeatureType.FLOAT64),
                Feature.row("segment", FeatureType.STRING),
                Feature.row("is_premium", FeatureType.BOOL),
                Feature.row("days_active", FeatureType.INT64)))
        .ttl(Duration.ofDays(30))
        .build();
  }

  static BenchData open(Path dir, int keys) {
    InMemoryFeatureRegistry reg = new InMemoryFeatureRegistry();
    InMemoryFeatureSource src = new InMemoryFeatureSource();
    reg.put(Entity.implicit("default", "user"));
    FeatureView v = view();
    reg.put(v);
    long now = System.currentTimeMillis();
    for (int i = 0; i < keys; i++) {
      List<Object> k = List.of("u" + i);
      src.write(v, k, "txn_count", now - 1000, (long) i);
      src.write(v, k, "total_spend_usd", now - 1000, i * 1.25);
      src.write(v, k, "segment", now - 1000, i % 2 == 0 ? "gold" : "silver");
      src.write(v, k, "is_premium", now - 1000, i % 3 == 0);
      src.write(v, k, "days_active", now - 1000, (long) (i % 365));
    }
    return new BenchData(reg, src);
  }

  FeatureRegistry registry() {
    return registry;
  }

  FeatureSource source() {
    return source;
  }

  @Override
  public void close() {
    source.close();
    registry.close();
  }
}
