package dev.quiver.serving.bench;

import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistries;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Version;
import dev.quiver.online.FeatureWriter;
import dev.quiver.online.OnlineWrite;
import dev.quiver.serving.FeatureSource;
import dev.quiver.serving.OnlineFeatureSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The bench data set on the real embedded stack (H2 registry file, RocksDB online store under
 * {@code dir}): entity {@code user}, view {@code user_activity_metrics:v1} with 5 features (INT64,
 * FLOAT64, STRING, BOOL, INT64), {@code keys} users with every feature written.
 */
public final class BenchData implements AutoCloseable {
  static final List<String> FEATURES =
      List.of("txn_count", "total_spend_usd", "segment", "is_premium", "days_active");
  private final FeatureRegistry registry;
  private final OnlineFeatureSource source;
  final FeatureView view;
  final Entity entity;

  private BenchData(
      FeatureRegistry registry, OnlineFeatureSource source, FeatureView view, Entity entity) {
    this.registry = registry;
    this.source = source;
    this.view = view;
    this.entity = entity;
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

  /** The embedded online store under {@code dir}. */
  static QuiverConfig embedded(Path dir) {
    return QuiverConfig.of(
        Map.of(
            "online.type", "embedded", "online.embedded.path", dir.resolve("online").toString()));
  }

  static BenchData open(Path dir, int keys) {
    return open(dir, keys, embedded(dir));
  }

  /** Writes the data set into the online store that {@code online} configures. */
  static BenchData open(Path dir, int keys, QuiverConfig online) {
    FeatureRegistry reg =
        FeatureRegistries.open(
            QuiverConfig.of(
                Map.of(
                    "registry.type",
                    "embedded",
                    "registry.path",
                    dir.resolve("registry").toString())));
    OnlineFeatureSource src = OnlineFeatureSource.open(online);
    Entity user = Entity.implicit("default", "user");
    FeatureView v = view();
    reg.apply(
        new FeatureRegistry.SpecBundle(List.of(user), List.of(), List.of(v), List.of()),
        "bench",
        false);
    FeatureWriter w = new FeatureWriter(src.store(), v);
    w.ensureTable();
    long now = System.currentTimeMillis();
    List<OnlineWrite> batch = new ArrayList<>();
    for (int i = 0; i < keys; i++) {
      byte[] k = EntityKeyCodec.encode(user.joinKeys(), List.of("u" + i));
      batch.add(w.row(k, "txn_count", (long) i, now - 1000));
      batch.add(w.row(k, "total_spend_usd", i * 1.25, now - 1000));
      batch.add(w.row(k, "segment", i % 2 == 0 ? "gold" : "silver", now - 1000));
      batch.add(w.row(k, "is_premium", i % 3 == 0, now - 1000));
      batch.add(w.row(k, "days_active", (long) (i % 365), now - 1000));
      if (batch.size() >= 50_000) {
        w.write(batch).join();
        batch.clear();
      }
    }
    w.write(batch).join();
    if (src.store() instanceof dev.quiver.online.embedded.EmbeddedOnlineStore e) {
      // Flush and compact now, so that the server's CPU during the runs is serving, not RocksDB
      // background work left over from loading; reads then come from SST files + block cache.
      e.compact(dev.quiver.online.ViewTableId.of(v));
    }
    return new BenchData(reg, src, v, user);
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
