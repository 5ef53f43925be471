package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.SourceField;
import dev.quiver.core.spec.Transformation;
import dev.quiver.online.EntityFeatures;
import dev.quiver.online.FeatureReader;
import dev.quiver.online.FeatureValue;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The row cells of an {@code --online} backfill of a view with a SQL transformation, at equal event
 * times of one entity (found by FuzzDifferentialITCase): the backfill reduced the events to one per
 * (entity, event time) — the highest offset — before the view's SQL ran, so
 *
 * <ul>
 *   <li>when the transformation's WHERE dropped that event, the entity's other event at that time
 *       (which the WHERE keeps, and the streaming job writes) got no cell: the store answered an
 *       older value, or null;
 *   <li>a GROUP BY TUMBLE transformation aggregated one event per (entity, event time): a window
 *       with two events at one millisecond counted one.
 * </ul>
 *
 * Now the tie is picked among the rows the view's SQL outputs.
 */
class BackfillOnlineTiesITCase {
  @TempDir Path dir;

  @Test
  void rowCellsAreTheNewestOfWhatTheTransformationOutputs() throws Exception {
    // recent times: the online table expires cells by its TTL, counted from now
    long t = Instant.now().truncatedTo(ChronoUnit.MINUTES).toEpochMilli() - 3_600_000L + 30_000L;
    Path folder = dir.resolve("raw");
    List<Record> history = new ArrayList<>();
    // u0: at t, offset 2 is dropped by the WHERE (amount < 0); offset 1 is the value at t
    history.add(event("a", "u0", t, 1, 5.0));
    history.add(event("b", "u0", t, 2, -1.0));
    // u1: an older value, then at t a kept event and a dropped one with the higher offset
    history.add(event("c", "u1", t - 1_000, 3, 3.0));
    history.add(event("d", "u1", t, 4, 7.0));
    history.add(event("e", "u1", t, 5, -2.0));
    // u2: at t, two kept events: the higher offset wins (the streaming job's tie rule)
    history.add(event("f", "u2", t, 7, 8.0));
    history.add(event("g", "u2", t, 6, 9.0));
    TrainingSetFiles.write(BackfillITCase.RAW, folder.resolve("a.parquet"), history);

    Map<String, Object> filtered =
        backfillAndRead(
            folder,
            "user_ties_where",
            "SELECT * FROM txns_history WHERE amount >= 0",
            List.of(new Feature("last_amount", FeatureType.FLOAT64, "", "amount", null, null)),
            t);
    assertThat(filtered)
        .as("last_amount online after the backfill")
        .isEqualTo(Map.of("u0", 5.0, "u1", 7.0, "u2", 8.0));

    Map<String, Object> windows =
        backfillAndRead(
            folder,
            "user_ties_tumble",
            "SELECT user_id AS entity_key, COUNT(*) AS n_1m FROM txns_history"
                + " GROUP BY user_id, TUMBLE(ts, INTERVAL '1' MINUTE)",
            List.of(new Feature("n_1m", FeatureType.INT64, "", null, null, null)),
            t);
    // u1's t - 1 s is in the same minute as t (t is 30 s into its minute)
    assertThat(windows)
        .as("events per minute online after the backfill")
        .isEqualTo(Map.of("u0", 2L, "u1", 3L, "u2", 2L));
  }

  /** Backfills the Parquet history into a fresh store with --online; the feature's values now. */
  private Map<String, Object> backfillAndRead(
      Path folder, String name, String sql, List<Feature> features, long t) throws Exception {
    QuiverConfig config =
        QuiverConfig.of(
            Map.of(
                "offline.warehouse",
                dir.resolve("wh-" + name).toString(),
                "online.type",
                "embedded",
                "online.embedded.path",
                dir.resolve("online-" + name).toString(),
                "offline.backfill.online-rate",
                "100000"));
    FeatureView view = view(folder, name, sql, features);
    List<JoinKey> keys = OfflineTables.joinKeys(view);
    Catalog catalog = OfflineCatalogs.open(config);
    try {
      new Backfill(config, catalog)
          .run(
              view,
              keys,
              null,
              Instant.ofEpochMilli(t - 3_600_000L),
              Instant.ofEpochMilli(t + 3_600_000L),
              true);
    } finally {
      if (catalog instanceof AutoCloseable c) {
        c.close();
      }
    }
    Map<String, Object> out = new TreeMap<>();
    String feature = features.get(0).name();
    try (OnlineStore store = OnlineStores.open(config)) {
      List<String> users = List.of("u0", "u1", "u2");
      List<byte[]> encoded = new ArrayList<>();
      users.forEach(u -> encoded.add(EntityKeyCodec.encode(keys, List.of(u))));
      List<EntityFeatures> got =
          new FeatureReader(store, Clock.systemUTC())
              .read(view, List.of(feature), encoded, null)
              .get();
      for (int i = 0; i < users.size(); i++) {
        FeatureValue v = got.get(i).features().get(feature);
        out.put(users.get(i), v == null ? null : v.value());
      }
    }
    return out;
  }

  private static FeatureView view(Path folder, String name, String sql, List<Feature> features) {
    Source source =
        new Source(
            "default",
            "txns_history",
            "parquet",
            List.of(
                new SourceField("txn_id", FeatureType.STRING),
                new SourceField("user_id", FeatureType.STRING),
                new SourceField("amount", FeatureType.FLOAT64),
                new SourceField("merchant", FeatureType.STRING),
                new SourceField("ts", FeatureType.TIMESTAMP)),
            "ts",
            "txn_id",
            Duration.ZERO,
            Map.of("path", folder.toString()));
    return FeatureView.builder(name)
        .entities(List.of("user"))
        .source(source)
        .ttl(Duration.ofDays(30))
        .tileSize(Duration.ofMinutes(1))
        .features(features)
        .transformations(List.of(new Transformation("sql", sql)))
        .build();
  }

  private static Record event(String txn, String user, long ts, long offset, double amount) {
    GenericRecord r = GenericRecord.create(BackfillITCase.RAW);
    r.setField("txn_id", txn);
    r.setField("user_id", user);
    r.setField("amount", amount);
    r.setField("merchant", "m0");
    r.setField("ts", OfflineWriter.timestamptz(ts));
    r.setField("offset", offset);
    return r;
  }
}
