package dev.quiver.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistries;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Durations;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureRef;
import dev.quiver.core.spec.FeatureService;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.Version;
import dev.quiver.core.spec.ViewStatus;
import dev.quiver.core.tile.TileAggregator;
import dev.quiver.core.tile.TileRef;
import dev.quiver.core.tile.TileState;
import dev.quiver.core.tile.Tiling;
import dev.quiver.online.FeatureWriter;
import dev.quiver.online.OnlineWrite;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * A running Quiver server on an ephemeral port, over the real embedded registry (H2 in memory) and
 * the real embedded online store (RocksDB in a temp directory), with a small data set: entity
 * {@code user} with views {@code user_activity_metrics} v3 and v4, {@code user_session} (1 h TTL),
 * the DEPRECATED {@code user_legacy}; a two-key entity {@code merchant}; the feature service {@code
 * fraud_model}.
 */
final class ServingFixture implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  final long now = System.currentTimeMillis();
  final Path dir;
  final FeatureRegistry registry;
  final OnlineFeatureSource store;
  final FaultySource source;
  final FeatureView v3;
  final FeatureView v4;
  final FeatureView session;
  final FeatureView windows;
  final QuiverServer server;
  final ServingMetrics metrics = new ServingMetrics();

  record Reply(int status, JsonNode body, HttpResponse<String> raw) {}

  ServingFixture(Map<String, String> config, UnaryOperator<FeatureSource> wrap) {
    this(config, wrap, null);
  }

  /**
   * @param onlineConfig the online store options; null = an embedded store in a temp dir
   */
  ServingFixture(
      Map<String, String> config, UnaryOperator<FeatureSource> wrap, QuiverConfig onlineConfig) {
    this(config, wrap, onlineConfig, null);
  }

  /**
   * @param onlineConfig the online store options; null = an embedded store in a temp dir
   * @param registryConfig the registry options; null = the embedded registry in memory
   */
  ServingFixture(
      Map<String, String> config,
      UnaryOperator<FeatureSource> wrap,
      QuiverConfig onlineConfig,
      QuiverConfig registryConfig) {
    try {
      dir = Files.createTempDirectory("quiver-serving-test");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    registry =
        FeatureRegistries.open(
            registryConfig != null
                ? registryConfig
                : QuiverConfig.of(
                    Map.of(
                        "registry.type",
                        "embedded",
                        "registry.path",
                        "mem:serving-" + UUID.randomUUID())));
    store =
        OnlineFeatureSource.open(
            onlineConfig != null
                ? onlineConfig
                : QuiverConfig.of(
                    Map.of(
                        "online.type",
                        "embedded",
                        "online.embedded.path",
                        dir.resolve("online").toString())));
    source = new FaultySource(store);
    Entity user = Entity.implicit("default", "user");
    Entity merchantEntity =
        new Entity(
            "default",
            "merchant",
            List.of(
                new JoinKey("merchant_id", FeatureType.STRING),
                new JoinKey("country", FeatureType.STRING)),
            "",
            "");
    List<Feature> activity =
        List.of(
            Feature.row("user_7d_txn_count", FeatureType.INT64),
            Feature.row("user_total_spend_usd", FeatureType.FLOAT64),
            Feature.row("last_items", FeatureType.arrayOf(FeatureType.Scalar.STRING)),
            Feature.row("embedding", FeatureType.arrayOf(FeatureType.Scalar.FLOAT32)));
    v3 = view("user_activity_metrics", 3, activity, Duration.ofDays(7), ViewStatus.ACTIVE);
    v4 = view("user_activity_metrics", 4, activity, Duration.ofDays(7), ViewStatus.ACTIVE);
    session =
        view(
            "user_session",
            1,
            List.of(
                Feature.row("session_clicks", FeatureType.INT64),
                Feature.row("shared", FeatureType.STRING)),
            Duration.ofHours(1),
            ViewStatus.ACTIVE);
    FeatureView legacy =
        view(
            "user_legacy",
            1,
            List.of(
                Feature.row("legacy_score", FeatureType.FLOAT64),
                Feature.row("shared", FeatureType.STRING)),
            Duration.ofDays(1),
            ViewStatus.DEPRECATED);
    windows =
        FeatureView.builder("user_txn_windows")
            .entities(List.of("user"))
            .features(
                List.of(
                    agg("txn_cnt_1h", FeatureType.INT64, "*", AggregationFunction.COUNT, "1h", 0),
                    agg("txn_cnt_1d", FeatureType.INT64, "*", AggregationFunction.COUNT, "1d", 0),
                    agg(
                        "items_last3_1d",
                        FeatureType.arrayOf(FeatureType.Scalar.STRING),
                        "item",
                        AggregationFunction.LAST_N,
                        "1d",
                        3)))
            .ttl(Duration.ofDays(2))
            .build();
    FeatureView merchant =
        FeatureView.builder("merchant_risk")
            .entities(List.of("merchant"))
            .features(List.of(Feature.row("risk", FeatureType.FLOAT64)))
            .ttl(Duration.ofDays(1))
            .build();
    FeatureService fraud =
        new FeatureService(
            "default",
            "fraud_model",
            List.of(
                FeatureRef.parse("user_activity_metrics:v3.user_7d_txn_count"),
                FeatureRef.parse("user_session.session_clicks")),
            "",
            "",
            Map.of());
    registry.apply(
        new FeatureRegistry.SpecBundle(
            List.of(user, merchantEntity),
            List.of(),
            List.of(v3, session, legacy.withStatus(ViewStatus.ACTIVE), merchant, windows),
            List.of()),
        "test",
        false);
    registry.apply(FeatureRegistry.SpecBundle.ofViews(v4), "test", false);
    FeatureService mixed =
        new FeatureService(
            "default",
            "checkout_model",
            List.of(
                FeatureRef.parse("user_activity_metrics:v3.user_7d_txn_count"),
                FeatureRef.parse("merchant_risk.risk")),
            "",
            "",
            Map.of());
    registry.apply(
        new FeatureRegistry.SpecBundle(List.of(), List.of(), List.of(), List.of(fraud, mixed)),
        "test",
        false);
    registry.setStatus("default", "user_legacy", "v1", ViewStatus.DEPRECATED, null, "test");
    List<Object> u1 = List.of("u1");
    write(v3, u1, "user_7d_txn_count", now - 60_000, 12L);
    write(v3, u1, "user_total_spend_usd", now - 30_000, 451.75);
    write(v3, u1, "last_items", now - 30_000, List.of("a", "b"));
    write(v3, u1, "embedding", now - 30_000, new float[] {0.5f, -1.25f});
    write(v4, u1, "user_7d_txn_count", now - 60_000, 99L);
    write(v3, List.of("u2"), "user_7d_txn_count", now - 10_000, 3L);
    write(v3, List.of("u_old"), "user_7d_txn_count", now - 3_600_000, 1L);
    write(v3, List.of("u_old"), "user_7d_txn_count", now - 1_000, 2L);
    write(session, u1, "session_clicks", now - 2 * 3_600_000, 5L); // past the 1 h TTL
    write(session, List.of("u2"), "session_clicks", now - 60_000, 7L);
    write(legacy, u1, "legacy_score", now - 60_000, 0.25);
    write(merchant, List.of("m1", "DE"), "risk", now - 60_000, 0.9);
    for (int i = 0; i < 2_000; i++) {
      write(v3, List.of("k" + i), "user_7d_txn_count", now - 5_000, (long) i);
    }
    flush(List.of(v3, v4, session, legacy, merchant), List.of(user, merchantEntity));
    // Window aggregations: events 10 min, 30 min, 3 h 20 min and 30 h ago, folded into tiles (every
    // resolution, as the streaming job does); the reader merges them at request time.
    writeTiles(
        windows,
        user,
        List.of("u1"),
        new long[] {now - 600_000, now - 1_800_000, now - 12_000_000, now - 108_000_000},
        new String[] {"d", "c", "b", "a"});
    Map<String, String> c = new HashMap<>(Map.of("server.port", "0"));
    c.putAll(config);
    ServerOptions opts = ServerOptions.from(QuiverConfig.of(c).validate(ServerOptions.ALL));
    server =
        QuiverServer.newServer(opts, registry, wrap.apply(source), Authorizer.ALLOW_ALL, metrics)
            .startAndWait();
  }

  private final List<Object[]> pending = new ArrayList<>();

  void write(FeatureView view, List<Object> key, String feature, long ts, Object value) {
    pending.add(new Object[] {view, key, feature, ts, value});
  }

  /** Writes the pending cells through the online module's FeatureWriter. */
  void flush(List<FeatureView> views, List<Entity> entities) {
    Map<String, FeatureWriter> writers = new HashMap<>();
    for (FeatureView v : views) {
      FeatureWriter w = new FeatureWriter(store.store(), v);
      w.ensureTable();
      writers.put(v.name() + ":" + v.version(), w);
    }
    Map<String, List<OnlineWrite>> byWriter = new HashMap<>();
    for (Object[] p : pending) {
      FeatureView v = (FeatureView) p[0];
      Entity e =
          entities.stream().filter(x -> x.name().equals(v.entities().get(0))).findFirst().get();
      @SuppressWarnings("unchecked")
      List<Object> key = (List<Object>) p[1];
      FeatureWriter w = writers.get(v.name() + ":" + v.version());
      byWriter
          .computeIfAbsent(v.name() + ":" + v.version(), k -> new ArrayList<>())
          .add(w.row(EntityKeyCodec.encode(e.joinKeys(), key), (String) p[2], p[4], (Long) p[3]));
    }
    byWriter.forEach((k, ws) -> writers.get(k).write(ws).join());
    pending.clear();
  }

  static Feature agg(
      String name, FeatureType dtype, String column, AggregationFunction f, String window, int n) {
    return new Feature(
        name,
        dtype,
        "",
        null,
        new Aggregation(column, f, Durations.parse(window).orElseThrow(), n),
        Map.of());
  }

  void writeTiles(FeatureView v, Entity e, List<Object> key, long[] times, String[] items) {
    FeatureWriter w = new FeatureWriter(store.store(), v);
    w.ensureTable();
    Tiling tiling = w.tiling();
    byte[] k = EntityKeyCodec.encode(e.joinKeys(), key);
    // One cell per tile holding every series (a TileBundle), as the streaming job writes them.
    Map<TileRef, Map<String, TileState>> tiles = new HashMap<>();
    Map<TileRef, Long> maxTs = new HashMap<>();
    for (Map.Entry<String, TileAggregator> series : w.series().entrySet()) {
      TileAggregator agg = series.getValue();
      for (int i = 0; i < times.length; i++) {
        for (TileRef t : tiling.tilesOf(times[i])) {
          Map<String, TileState> states = tiles.computeIfAbsent(t, x -> new HashMap<>());
          String name = series.getKey();
          states.put(name, agg.add(states.getOrDefault(name, agg.empty()), items[i], times[i], i));
          maxTs.merge(t, times[i], Math::max);
        }
      }
    }
    List<OnlineWrite> out = new ArrayList<>();
    tiles.forEach((t, st) -> out.add(w.tile(k, t, st, maxTs.get(t))));
    w.write(out).join();
  }

  static FeatureView view(String name, int major, List<Feature> fs, Duration ttl, ViewStatus st) {
    return FeatureView.builder(name)
        .version(Version.of(major))
        .entities(List.of("user"))
        .features(fs)
        .ttl(ttl)
        .status(st)
        .build();
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  Reply post(String path, String body) throws Exception {
    return post(path, body, "application/json");
  }

  Reply post(String path, String body, String contentType) throws Exception {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("content-type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  Reply get(String path) throws Exception {
    return send(HttpRequest.newBuilder(uri(path)).GET().build());
  }

  Reply send(HttpRequest req) throws Exception {
    HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
    JsonNode body;
    try {
      body = JSON.readTree(r.body());
    } catch (Exception e) {
      body = JSON.getNodeFactory().textNode(r.body());
    }
    return new Reply(r.statusCode(), body, r);
  }

  Reply lookup(String body) throws Exception {
    return post("/v1/features:lookup", body);
  }

  String metricsText() throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(uri("/v1/metrics")).GET().build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  @Override
  public void close() {
    server.close();
    source.close();
    registry.close();
  }
}
