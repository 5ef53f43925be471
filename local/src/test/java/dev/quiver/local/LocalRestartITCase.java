package dev.quiver.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistries;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.SpecParser;
import dev.quiver.offline.OfflineTables;
import dev.quiver.online.EntityFeatures;
import dev.quiver.online.FeatureReader;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code quiver local} stopped and started again on the same data directory (a fresh broker each
 * time, as the product does): afterwards every user's online window count equals the count of that
 * user's rows in Iceberg over the same window. Before session 10 the second run's jobs started
 * without state: their first upsert of a tile the first run had written (the current hour, here)
 * replaced it with the second run's events alone, and the events since the first run's last
 * checkpoint were online but never committed to Iceberg.
 */
class LocalRestartITCase {
  private static final long HOUR = 3_600_000L;
  private static final long DAY = 24 * HOUR;

  @TempDir Path dir;

  @Test
  void onlineWindowsEqualTheIcebergRowsAfterARestart() throws Exception {
    Path examples = dir.resolve("examples");
    Files.createDirectories(examples);
    Files.writeString(
        examples.resolve("clicks.yaml"),
        """
        kind: entity
        name: user
        join_keys: [{name: user_id, type: STRING}]
        ---
        kind: kafka
        name: clicks
        schema:
          - {name: event_id, type: STRING}
          - {name: user_id, type: STRING}
          - {name: event_time, type: TIMESTAMP}
        event_time_field: event_time
        dedup_key: event_id
        watermark_delay: 1s
        options: {topic: clicks, format: json}
        ---
        name: user_clicks
        entities: [user]
        source: clicks
        ttl: 2d
        tile_size: 1h
        features:
          - name: clicks_1d
            aggregation: {column: '*', function: count, window: 1d}
        """);
    Path data = dir.resolve("data");
    QuiverConfig base =
        QuiverConfig.of(
            Map.of(
                "registry.path", data.resolve("registry").toString(),
                "server.port", "0",
                "jobs.checkpoint-interval", "3s"));
    FeatureView view;
    try (FeatureRegistry registry = FeatureRegistries.open(base)) {
      registry.apply(SpecParser.parsePath(examples).bundle(), "test", false);
      view = registry.getView("default", "user_clicks", "latest").view();
      long first = run(base, registry, data, view, 150);
      long second = run(base, registry, data, view, first + 150);
      assertThat(second).isGreaterThan(first);
    }
    // Iceberg's rows per user, and the online count over the window that ends with the last
    // event's hour tile (the reads at which the stale tile showed)
    Map<String, List<Long>> times = new TreeMap<>();
    long max = Long.MIN_VALUE;
    try (HadoopCatalog catalog = catalog(data)) {
      Table table = catalog.loadTable(OfflineTables.identifier(view));
      try (CloseableIterable<Record> rows = IcebergGenerics.read(table).build()) {
        for (Record r : rows) {
          long t = ((OffsetDateTime) r.getField("event_time")).toInstant().toEpochMilli();
          times.computeIfAbsent((String) r.getField("user_id"), u -> new ArrayList<>()).add(t);
          max = Math.max(max, t);
        }
      }
    }
    long readAt = Math.floorDiv(max, HOUR) * HOUR + HOUR - 1;
    long from = Math.floorDiv(readAt, HOUR) * HOUR + HOUR - DAY; // the window rule
    List<JoinKey> keys = List.of(new JoinKey("user_id", dev.quiver.core.spec.FeatureType.STRING));
    try (OnlineStore store =
        OnlineStores.open(
            QuiverConfig.of(
                Map.of(
                    "online.type",
                    "embedded",
                    "online.embedded.path",
                    data.resolve("online").toString())))) {
      FeatureReader reader = new FeatureReader(store, Clock.systemUTC());
      List<String> users = List.copyOf(times.keySet());
      List<byte[]> encoded = new ArrayList<>();
      users.forEach(u -> encoded.add(EntityKeyCodec.encode(keys, List.of(u))));
      List<EntityFeatures> got = reader.read(view, List.of("clicks_1d"), encoded, readAt).get();
      Map<String, Object> online = new TreeMap<>();
      Map<String, Object> offline = new TreeMap<>();
      for (int i = 0; i < users.size(); i++) {
        online.put(users.get(i), got.get(i).features().get("clicks_1d").value());
        offline.put(
            users.get(i),
            times.get(users.get(i)).stream().filter(t -> t >= from && t <= readAt).count());
      }
      assertThat(users).hasSizeGreaterThan(3);
      assertThat(online).isEqualTo(offline);
    }
  }

  /** Starts quiver local, waits until Iceberg holds {@code rows} rows, stops it; the row count. */
  private long run(
      QuiverConfig base, FeatureRegistry registry, Path data, FeatureView view, long rows)
      throws Exception {
    StringWriter out = new StringWriter();
    long count = 0;
    try (LocalRuntime rt =
        LocalRuntime.start(
            base,
            registry,
            new LocalRuntime.Settings(data, null, 40),
            new PrintWriter(out, true))) {
      assertThat(rt.skipped()).isEmpty();
      long deadline = System.nanoTime() + 240_000_000_000L;
      while (count < rows && System.nanoTime() < deadline) {
        Thread.sleep(1000);
        count = icebergRows(data, view);
      }
      assertThat(count).as("Iceberg rows within 4 minutes").isGreaterThanOrEqualTo(rows);
    }
    return icebergRows(data, view);
  }

  private static long icebergRows(Path data, FeatureView view) throws Exception {
    try (HadoopCatalog catalog = catalog(data)) {
      if (!catalog.tableExists(OfflineTables.identifier(view))) {
        return 0;
      }
      Table table = catalog.loadTable(OfflineTables.identifier(view));
      if (table.currentSnapshot() == null) {
        return 0;
      }
      return Long.parseLong(table.currentSnapshot().summary().getOrDefault("total-records", "0"));
    }
  }

  private static HadoopCatalog catalog(Path data) {
    HadoopCatalog c = new HadoopCatalog();
    c.setConf(new Configuration());
    c.initialize("local", Map.of("warehouse", data.resolve("warehouse").toUri().toString()));
    return c;
  }
}
