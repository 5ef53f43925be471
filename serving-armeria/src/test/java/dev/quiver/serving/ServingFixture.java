package dev.quiver.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureRef;
import dev.quiver.core.spec.FeatureService;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.Version;
import dev.quiver.core.spec.ViewStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A running Quiver server on an ephemeral port over a small data set: entity {@code user} with
 * views {@code user_activity_metrics} v3 and v4, {@code user_session} (1 h TTL), the DEPRECATED
 * {@code user_legacy}; a two-key entity {@code merchant}; the feature service {@code fraud_model}.
 */
final class ServingFixture implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  final long now = System.currentTimeMillis();
  final InMemoryFeatureRegistry registry = new InMemoryFeatureRegistry();
  final InMemoryFeatureSource source = new InMemoryFeatureSource();
  final FeatureView v3;
  final FeatureView v4;
  final FeatureView session;
  final QuiverServer server;
  final ServingMetrics metrics = new ServingMetrics();

  record Reply(int status, JsonNode body, HttpResponse<String> raw) {}

  ServingFixture(Map<String, String> config, UnaryOperator<FeatureSource> wrap) {
    registry.put(Entity.implicit("default", "user"));
    registry.put(
        new Entity(
            "default",
            "merchant",
            List.of(
                new JoinKey("merchant_id", FeatureType.STRING),
                new JoinKey("country", FeatureType.STRING)),
            "",
            ""));
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
    FeatureView merchant =
        FeatureView.builder("merchant_risk")
            .entities(List.of("merchant"))
            .features(List.of(Feature.row("risk", FeatureType.FLOAT64)))
            .ttl(Duration.ofDays(1))
            .build();
    for (FeatureView v : List.of(v3, v4, session, legacy, merchant)) {
      registry.put(v);
    }
    registry.put(
        new FeatureService(
            "default",
            "fraud_model",
            List.of(
                FeatureRef.parse("user_activity_metrics:v3.user_7d_txn_count"),
                FeatureRef.parse("user_session.session_clicks")),
            "",
            "",
            Map.of()));
    List<Object> u1 = List.of("u1");
    source.write(v3, u1, "user_7d_txn_count", now - 60_000, 12L);
    source.write(v3, u1, "user_total_spend_usd", now - 30_000, 451.75);
    source.write(v3, u1, "last_items", now - 30_000, List.of("a", "b"));
    source.write(v3, u1, "embedding", now - 30_000, new float[] {0.5f, -1.25f});
    source.write(v4, u1, "user_7d_txn_count", now - 60_000, 99L);
    source.write(v3, List.of("u2"), "user_7d_txn_count", now - 10_000, 3L);
    source.write(v3, List.of("u_old"), "user_7d_txn_count", now - 3_600_000, 1L);
    source.write(v3, List.of("u_old"), "user_7d_txn_count", now - 1_000, 2L);
    source.write(session, u1, "session_clicks", now - 2 * 3_600_000, 5L); // past the 1 h TTL
    source.write(session, List.of("u2"), "session_clicks", now - 60_000, 7L);
    source.write(legacy, u1, "legacy_score", now - 60_000, 0.25);
    source.write(merchant, List.of("m1", "DE"), "risk", now - 60_000, 0.9);
    for (int i = 0; i < 2_000; i++) {
      source.write(v3, List.of("k" + i), "user_7d_txn_count", now - 5_000, (long) i);
    }
    Map<String, String> c = new HashMap<>(Map.of("server.port", "0"));
    c.putAll(config);
    ServerOptions opts = ServerOptions.from(QuiverConfig.of(c).validate(ServerOptions.ALL));
    server =
        QuiverServer.newServer(opts, registry, wrap.apply(source), Authorizer.ALLOW_ALL, metrics)
            .startAndWait();
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
  }
}
