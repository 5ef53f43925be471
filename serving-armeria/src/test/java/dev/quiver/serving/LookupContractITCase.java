package dev.quiver.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The lookup contract (PRD §11.2) over a real Armeria server on an ephemeral port, the embedded
 * registry and the embedded RocksDB online store.
 */
class LookupContractITCase {
  static ServingFixture fx;
  static long now;

  @BeforeAll
  static void start() throws Exception {
    fx =
        new ServingFixture(
            Map.of(
                "server.max-request-length", "200000",
                "server.cache.max-staleness", "0ms",
                "server.rate-limit.per-key-rate", "0",
                // the inline read path (off by default; the other ITCases cover the hand-off)
                "server.inline-read.max-keys", "64",
                // A lookup without options.timeout_ms that resolves a new feature list in the
                // registry has this long; at the 1 s default, a machine under extreme load (the
                // registry threads not scheduled for a second) failed the class with 503 TIMEOUT
                // "resolving the features in the registry took longer than 1000 ms". The tests of
                // timeouts give their own timeout_ms.
                "server.lookup.default-timeout", "60s"),
            s -> s);
    now = fx.now;
    // The first lookup of a feature list resolves its plan in the registry (and warms the JIT);
    // later ones hit the plan cache. The lists that tests look up with a short timeout_ms are
    // resolved here, without one, so that those timeouts bound the store read they test, not a
    // registry round trip on a loaded machine.
    for (String features :
        List.of(
            "[{\"name\":\"user_7d_txn_count\",\"version\":\"v3\"},{\"name\":\"user_total_spend_usd\",\"version\":\"v3\"}]",
            "[\"user_7d_txn_count:v3\"]")) {
      ServingFixture.Reply warm =
          fx.lookup("{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":" + features + "}");
      assertThat(warm.status()).as(warm.body().toString()).isEqualTo(200);
    }
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  static ServingFixture.Reply lookup(String body) throws Exception {
    return fx.lookup(body);
  }

  static ServingFixture.Reply post(String path, String body) throws Exception {
    return fx.post(path, body);
  }

  @Test
  void okPartialNotFoundInPrdShape() throws Exception {
    ServingFixture.Reply r =
        lookup(
            "{\"entity_name\":\"user\",\"keys\":[\"u1\",\"u2\",\"nobody\"],"
                + "\"features\":[{\"name\":\"user_7d_txn_count\",\"version\":\"v3\"},"
                + "{\"name\":\"user_total_spend_usd\",\"version\":\"v3\"}],\"options\":{\"timeout_ms\":50}}");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.raw().headers().firstValue("content-type"))
        .hasValueSatisfying(v -> assertThat(v).contains("json"));
    JsonNode res = r.body().get("results");
    assertThat(r.body().get("entity_name").asText()).isEqualTo("user");
    assertThat(res.get(0).get("key").asText()).isEqualTo("u1");
    JsonNode f = res.get(0).get("features").get("user_7d_txn_count");
    assertThat(f.get("value").asLong()).isEqualTo(12);
    assertThat(f.get("ts").asText()).isEqualTo(Instant.ofEpochMilli(now - 60_000).toString());
    assertThat(f.get("version").asText()).isEqualTo("v3");
    assertThat(res.get(0).get("features").get("user_total_spend_usd").get("value").asDouble())
        .isEqualTo(451.75);
    assertThat(res.get(0).get("status").asText()).isEqualTo("OK");
    JsonNode p = res.get(1).get("features").get("user_total_spend_usd");
    assertThat(p.get("value").isNull()).isTrue();
    assertThat(p.get("ts").isNull()).isTrue();
    assertThat(p.get("version").asText()).isEqualTo("v3");
    assertThat(res.get(1).get("status").asText()).isEqualTo("PARTIAL");
    assertThat(res.get(2).get("status").asText()).isEqualTo("NOT_FOUND");
  }

  /**
   * A batch larger than one store read ({@link StoreGuard#CHUNK_KEYS}) is read in parallel parts:
   * every key's answer must still be the one a single-key lookup gives, in request order.
   */
  @Test
  void largeBatchAnswersEveryKeyInOrder() throws Exception {
    String features =
        "\"features\":[{\"name\":\"user_7d_txn_count\",\"version\":\"v3\"},"
            + "{\"name\":\"user_total_spend_usd\",\"version\":\"v3\"}]";
    java.util.List<String> keys = new java.util.ArrayList<>();
    java.util.Random rnd = new java.util.Random(7);
    for (int i = 0; i < 3 * StoreGuard.CHUNK_KEYS + 17; i++) {
      int pick = rnd.nextInt(3);
      keys.add(pick == 0 ? "u1" : pick == 1 ? "u2" : "nobody" + i);
    }
    Map<String, JsonNode> single = new java.util.HashMap<>();
    for (String k : java.util.Set.of("u1", "u2", "nobody")) {
      ServingFixture.Reply r =
          lookup("{\"entity_name\":\"user\",\"keys\":[\"" + k + "\"]," + features + "}");
      single.put(k, r.body().get("results").get(0));
    }
    StringBuilder body = new StringBuilder("{\"entity_name\":\"user\",\"keys\":[");
    for (int i = 0; i < keys.size(); i++) {
      body.append(i == 0 ? "\"" : ",\"").append(keys.get(i)).append('"');
    }
    ServingFixture.Reply r =
        post("/v1/features:batchLookup", body.append("],").append(features).append('}').toString());
    assertThat(r.status()).isEqualTo(200);
    JsonNode res = r.body().get("results");
    assertThat(res.size()).isEqualTo(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      String k = keys.get(i);
      JsonNode expected = single.get(k.startsWith("nobody") ? "nobody" : k);
      assertThat(res.get(i).get("key").asText()).isEqualTo(k);
      assertThat(res.get(i).get("features")).isEqualTo(expected.get("features"));
      assertThat(res.get(i).get("status")).isEqualTo(expected.get("status"));
    }
  }

  @Test
  void pinnedVersusLatestAndStringForms() throws Exception {
    ServingFixture.Reply r =
        lookup(
            "{\"entity_name\":\"user\",\"keys\":[\"u1\"],"
                + "\"features\":[\"user_activity_metrics:v3.user_7d_txn_count\",\"user_7d_txn_count\"]}");
    JsonNode fs = r.body().get("results").get(0).get("features");
    assertThat(fs.get("user_activity_metrics.user_7d_txn_count").get("value").asLong())
        .isEqualTo(12);
    assertThat(fs.get("user_activity_metrics.user_7d_txn_count").get("version").asText())
        .isEqualTo("v3");
    assertThat(fs.get("user_7d_txn_count").get("value").asLong()).isEqualTo(99);
    assertThat(fs.get("user_7d_txn_count").get("version").asText()).isEqualTo("v4");
    ServingFixture.Reply colon =
        lookup(
            "{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"user_7d_txn_count:v3\"]}");
    assertThat(colon.body().at("/results/0/features/user_7d_txn_count/value").asLong())
        .isEqualTo(12);
    // two versions of one feature answer under one name: the error says so (session 16: it said
    // "qualify one as view.feature", which both already were)
    assertError(
        lookup(
            "{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":["
                + "\"user_activity_metrics:v3.user_7d_txn_count\","
                + "\"user_activity_metrics:v4.user_7d_txn_count\"]}"),
        400,
        "INVALID_ARGUMENT",
        "features[1]",
        "they are versions v3 and v4 of view user_activity_metrics, which answer under one name:"
            + " look each version up in its own request");
  }

  @Test
  void ttlExpiredValuesAreNeverCurrent() throws Exception {
    ServingFixture.Reply r =
        lookup(
            "{\"entity_name\":\"user\",\"keys\":[\"u1\",\"u2\"],\"features\":[\"session_clicks\"]}");
    assertThat(r.body().at("/results/0/features/session_clicks/value").isNull()).isTrue();
    assertThat(r.body().at("/results/0/status").asText()).isEqualTo("NOT_FOUND");
    assertThat(r.body().at("/results/1/features/session_clicks/value").asLong()).isEqualTo(7);
  }

  @Test
  void asOfAnswersThePast() throws Exception {
    String at = Instant.ofEpochMilli(now - 1_800_000).toString();
    ServingFixture.Reply r =
        lookup(
            "{\"entity_name\":\"user\",\"keys\":[\"u_old\"],\"features\":[\"user_7d_txn_count:v3\"],\"as_of\":\""
                + at
                + "\"}");
    assertThat(r.body().at("/results/0/features/user_7d_txn_count/value").asLong()).isEqualTo(1);
    ServingFixture.Reply current =
        lookup(
            "{\"entity_name\":\"user\",\"keys\":[\"u_old\"],\"features\":[\"user_7d_txn_count:v3\"]}");
    assertThat(current.body().at("/results/0/features/user_7d_txn_count/value").asLong())
        .isEqualTo(2);
  }

  @Test
  void asOfOutsideEventTimesIsRefusedAndAtTheirEndsAnswers() throws Exception {
    // Until session 9 an as_of near the ends of a long hung the event loop that served it (the tile
    // cover overflowed), an ISO year past a long's millis was a 500 (ArithmeticException), and one
    // before 1970 failed in the store read. Times outside years 0000-9999 (the range of event
    // times) are refused with a 400 naming as_of; its start and pre-1970 times answer. A time past
    // the server's clock (beyond the skew leeway) is refused too.
    for (String asOf :
        List.of(
            "9223372036854775807",
            "-9223372036854775808",
            "18446744073709551616",
            "\"+1000000000-01-01T00:00:00Z\"",
            "\"-1000000000-01-01T00:00:00Z\"",
            // the future: refused beyond the clock-skew leeway (answered OK before)
            "253402300799999",
            "\"9999-12-31T23:59:59.999Z\"")) {
      ServingFixture.Reply r = lookupAsOf(asOf);
      assertThat(r.status()).as("as_of %s: %s", asOf, r.body()).isEqualTo(400);
      assertThat(r.body().at("/error/field").asText()).isEqualTo("as_of");
    }
    // Their start and pre-1970 times are before anything the online store still holds: a 400
    // naming as_of and the oldest time it holds (before: 200, every window 0 and every key
    // NOT_FOUND, as if nothing had happened then).
    for (String asOf : List.of("\"0000-01-01T00:00:00Z\"", "-1", "\"1960-01-01T00:00:00Z\"")) {
      ServingFixture.Reply r = lookupAsOf(asOf);
      assertThat(r.status()).as("as_of %s: %s", asOf, r.body()).isEqualTo(400);
      assertThat(r.body().at("/error/field").asText()).isEqualTo("as_of");
      assertThat(r.body().at("/error/message").asText())
          .contains("is older than the online store holds view default.")
          .contains("expected: after ")
          .contains("offline store");
    }
  }

  @Test
  void asOfBeforeWhatTheStoreHoldsIsRefusedNamingTheOldestTime() throws Exception {
    // user_session keeps 1 h (its TTL, no windows): the store returns no cell older than that, so
    // as_of 2 h ago was answered NOT_FOUND for every key, silently.
    String features = "\"features\":[\"session_clicks\"]";
    ServingFixture.Reply old =
        lookup(
            "{\"entity_name\":\"user\",\"keys\":[\"u2\"],"
                + features
                + ",\"as_of\":\""
                + Instant.ofEpochMilli(System.currentTimeMillis() - 7_200_000)
                + "\"}");
    assertThat(old.status()).as(old.body().toString()).isEqualTo(400);
    assertThat(old.body().at("/error/code").asText()).isEqualTo("INVALID_ARGUMENT");
    assertThat(old.body().at("/error/field").asText()).isEqualTo("as_of");
    String msg = old.body().at("/error/message").asText();
    assertThat(msg)
        .contains("is older than the online store holds view default.user_session:v1")
        .contains("it keeps 1h of history")
        .contains("expected: after ");
    Instant oldest =
        Instant.parse(msg.substring(msg.indexOf("after ") + 6, msg.indexOf("; for older")));
    assertThat(oldest)
        .isBetween(Instant.now().minusSeconds(3_600 + 60), Instant.now().minusSeconds(3_600));
    // the same view within what it holds answers, as does a batch
    for (String route : List.of("/v1/features:lookup", "/v1/features:batchLookup")) {
      ServingFixture.Reply held =
          fx.post(
              route,
              "{\"entity_name\":\"user\",\"keys\":[\"u2\"],"
                  + features
                  + ",\"as_of\":\""
                  + Instant.ofEpochMilli(System.currentTimeMillis() - 60_000)
                  + "\"}");
      assertThat(held.status()).as(held.body().toString()).isEqualTo(200);
    }
  }

  private ServingFixture.Reply lookupAsOf(String asOf) throws Exception {
    return fx.send(
        java.net.http.HttpRequest.newBuilder(fx.uri("/v1/features:lookup"))
            .timeout(java.time.Duration.ofSeconds(20))
            .header("content-type", "application/json")
            .POST(
                java.net.http.HttpRequest.BodyPublishers.ofString(
                    "{\"entity_name\":\"user\",\"keys\":[\"u1\"],"
                        + "\"features\":[\"txn_cnt_1h\",\"txn_cnt_1d\",\"user_7d_txn_count:v3\"],"
                        + "\"as_of\":"
                        + asOf
                        + "}"))
            .build());
  }

  @Test
  void aViewNotMaterializedYetIsNotFoundAndKeepsTheStoreHealthy() throws Exception {
    // A view registered through the API has no online table until a job or backfill writes it.
    // Until session 9 its lookups were failed store reads: STALE, and after a dozen of them the
    // circuit breaker opened and every lookup on the server was STALE, /v1/health DOWN.
    fx.registry.apply(
        dev.quiver.core.registry.FeatureRegistry.SpecBundle.ofViews(
            dev.quiver.core.spec.FeatureView.builder("user_unmaterialized")
                .entities(List.of("user"))
                .features(
                    List.of(
                        dev.quiver.core.spec.Feature.row(
                            "unmaterialized_score", dev.quiver.core.spec.FeatureType.FLOAT64)))
                .ttl(java.time.Duration.ofDays(1))
                .build()),
        "test",
        false);
    String body =
        "{\"entity_name\":\"user\",\"keys\":[\"u1\",\"u2\"],"
            + "\"features\":[\"unmaterialized_score\"]}";
    long until = System.currentTimeMillis() + 15_000; // the server's registry caches expire
    while (lookup(body).status() == 404 && System.currentTimeMillis() < until) {
      Thread.sleep(100);
    }
    for (int i = 0; i < 40; i++) {
      ServingFixture.Reply r =
          lookup(
              "{\"entity_name\":\"user\",\"keys\":[\"u1\",\"u2\"],"
                  + "\"features\":[\"unmaterialized_score\"]}");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body().at("/results/0/status").asText()).isEqualTo("NOT_FOUND");
      assertThat(r.body().at("/results/0/features/unmaterialized_score/value").isNull()).isTrue();
      // NOT_FOUND alone reads like keys never seen; the warning tells the two apart, with the fix
      assertThat(r.body().at("/warnings/0").asText())
          .isEqualTo(
              "view default.user_unmaterialized:v1 is not materialized: no job or backfill has"
                  + " written its online table, so its features answer NOT_FOUND (window"
                  + " aggregations at their empty value, e.g. a count of 0) for every key; start"
                  + " its job (quiver materialize user_unmaterialized; under quiver local, which"
                  + " holds the online store and starts a job per streaming view when it starts:"
                  + " restart quiver local) or run quiver backfill user_unmaterialized --from ..."
                  + " --to ... --online");
    }
    ServingFixture.Reply other =
        lookup(
            "{\"entity_name\":\"user\",\"keys\":[\"u2\"],\"features\":[\"user_7d_txn_count:v3\"]}");
    assertThat(other.body().at("/results/0/status").asText()).isEqualTo("OK");
    assertThat(fx.get("/v1/health").status()).isEqualTo(200);
  }

  @Test
  void listsAndEmbeddings() throws Exception {
    ServingFixture.Reply r =
        lookup(
            "{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"last_items:v3\",\"embedding:v3\"]}");
    assertThat(r.body().at("/results/0/features/last_items/value").toString())
        .isEqualTo("[\"a\",\"b\"]");
    assertThat(r.body().at("/results/0/features/embedding/value").toString())
        .isEqualTo("[0.5,-1.25]");
  }

  @Test
  void windowAggregationsAreMergedFromTilesAtRequestTime() throws Exception {
    ServingFixture.Reply r =
        lookup(
            "{\"entity_name\":\"user\",\"keys\":[\"u1\",\"u2\"],"
                + "\"features\":[\"txn_cnt_1h\",\"txn_cnt_1d\",\"items_last3_1d\"]}");
    JsonNode fs = r.body().at("/results/0/features");
    assertThat(fs.at("/txn_cnt_1h/value").asLong()).isEqualTo(2);
    assertThat(fs.at("/txn_cnt_1d/value").asLong()).isEqualTo(3);
    assertThat(fs.at("/items_last3_1d/value").toString())
        .isEqualTo("[\"d\",\"c\",\"b\"]"); // newest first
    assertThat(fs.at("/txn_cnt_1h/ts").asText())
        .isEqualTo(Instant.ofEpochMilli(now - 600_000).toString());
    assertThat(r.body().at("/results/0/status").asText()).isEqualTo("OK");
    // A key without events: the counts decay to 0 over an empty window (ts null).
    assertThat(r.body().at("/results/1/features/txn_cnt_1h/value").asLong()).isEqualTo(0);
    assertThat(r.body().at("/results/1/features/txn_cnt_1h/ts").isNull()).isTrue();
    // ...and nothing stored backs any of its values: the key is not found.
    assertThat(r.body().at("/results/1/status").asText()).isEqualTo("NOT_FOUND");
    ServingFixture.Reply never =
        lookup(
            "{\"entity_name\":\"user\",\"keys\":[\"never_seen\"],"
                + "\"features\":[\"txn_cnt_1h\",\"txn_cnt_1d\"]}");
    assertThat(never.body().at("/results/0/features/txn_cnt_1d/value").asLong()).isEqualTo(0);
    assertThat(never.body().at("/results/0/status").asText()).isEqualTo("NOT_FOUND");
    assertThat(never.body().has("warnings")).as(never.body().toString()).isFalse();
    // As of 2 hours ago, the 1 h window holds none of the events; the 1 d window only the one
    // 3 h 20 min ago (the 30 h old one is outside it, the newer ones are after as_of).
    ServingFixture.Reply past =
        lookup(
            "{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"txn_cnt_1h\",\"txn_cnt_1d\"],"
                + "\"as_of\":\""
                + Instant.ofEpochMilli(now - 7_200_000)
                + "\"}");
    assertThat(past.body().at("/results/0/features/txn_cnt_1h/value").asLong()).isEqualTo(0);
    assertThat(past.body().at("/results/0/features/txn_cnt_1d/value").asLong()).isEqualTo(1);
    // An empty 1 h window beside a backed 1 d one: every feature answered, the key found.
    assertThat(past.body().at("/results/0/status").asText()).isEqualTo("OK");
  }

  @Test
  void featureServiceStandsInForTheList() throws Exception {
    ServingFixture.Reply r =
        lookup("{\"entity_name\":\"user\",\"keys\":[\"u2\"],\"feature_service\":\"fraud_model\"}");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body().at("/results/0/features/user_7d_txn_count/value").asLong()).isEqualTo(3);
    assertThat(r.body().at("/results/0/features/user_7d_txn_count/version").asText())
        .isEqualTo("v3");
    assertThat(r.body().at("/results/0/features/session_clicks/value").asLong()).isEqualTo(7);
  }

  @Test
  void aFeatureServiceMixingEntitiesIsRefusedNamingTheFeatureAndTheFix() throws Exception {
    ServingFixture.Reply r =
        lookup(
            "{\"entity_name\":\"user\",\"keys\":[\"u2\"],\"feature_service\":\"checkout_model\"}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body().at("/error/field").asText()).isEqualTo("feature_service");
    assertThat(r.body().at("/error/message").asText())
        .contains("feature service 'checkout_model'")
        .contains("merchant_risk")
        .contains("separate requests");
  }

  @Test
  void multiKeyEntityAndDeprecationWarning() throws Exception {
    ServingFixture.Reply m =
        lookup(
            "{\"entity_name\":\"merchant\",\"keys\":[{\"merchant_id\":\"m1\",\"country\":\"DE\"}],\"features\":[\"risk\"]}");
    assertThat(m.body().at("/results/0/features/risk/value").asDouble()).isEqualTo(0.9);
    assertThat(m.body().at("/results/0/key/country").asText()).isEqualTo("DE");
    ServingFixture.Reply d =
        lookup("{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"legacy_score\"]}");
    assertThat(d.body().at("/results/0/features/legacy_score/value").asDouble()).isEqualTo(0.25);
    assertThat(d.body().get("warnings").get(0).asText()).contains("user_legacy:v1 is DEPRECATED");
    // said once: the resolver repeated the registry's warning in other words
    List<String> deprecations = new java.util.ArrayList<>();
    d.body().get("warnings").forEach(w -> deprecations.add(w.asText()));
    assertThat(deprecations)
        .as(deprecations.toString())
        .filteredOn(w -> w.contains("is DEPRECATED"))
        .hasSize(1);
  }

  /**
   * user_legacy has no ACTIVE version (v1 is DEPRECATED). The bare name answered from v1 with a
   * warning, but the qualified name and an explicit {@code latest} (documented as the same as no
   * version) were 404 "has no version 'latest'" or "unknown feature 'legacy_score:latest'; did you
   * mean legacy_score?". Every unpinned form answers alike.
   */
  @Test
  void everyUnpinnedFormOfAViewWithoutActiveVersionAnswersAlike() throws Exception {
    for (String f :
        List.of(
            "\"legacy_score\"",
            "\"legacy_score:latest\"",
            "{\"name\":\"legacy_score\",\"version\":\"latest\"}",
            "\"user_legacy.legacy_score\"",
            "\"user_legacy:latest.legacy_score\"")) {
      ServingFixture.Reply r =
          lookup("{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[" + f + "]}");
      assertThat(r.status()).as(f + ": " + r.body()).isEqualTo(200);
      JsonNode value = r.body().at("/results/0/features").elements().next();
      assertThat(value.get("value").asDouble()).as(f).isEqualTo(0.25);
      assertThat(value.get("version").asText()).as(f).isEqualTo("v1");
      assertThat(r.body().get("warnings").get(0).asText())
          .as(f)
          .contains("user_legacy:v1 is DEPRECATED");
    }
  }

  @Test
  void nanAndInfinityAnswerAsProtobufJsonStringsInLookupAndBatchLookup() throws Exception {
    // JSON has no NaN or Infinity; they were written as null, which reads as "no value" although
    // the key had one (and its status said OK). Now as protobuf's JSON mapping writes them.
    dev.quiver.core.spec.Entity user = fx.registry.getEntity("default", "user").orElseThrow();
    fx.write(fx.v3, List.of("u_nan"), "user_total_spend_usd", now - 5_000, Double.NaN);
    fx.write(fx.v3, List.of("u_nan"), "embedding", now - 5_000, new float[] {Float.NaN, 1.5f});
    fx.write(
        fx.v3, List.of("u_inf"), "user_total_spend_usd", now - 5_000, Double.POSITIVE_INFINITY);
    fx.write(
        fx.v3,
        List.of("u_inf"),
        "embedding",
        now - 5_000,
        new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY});
    fx.write(
        fx.v3, List.of("u_ninf"), "user_total_spend_usd", now - 5_000, Double.NEGATIVE_INFINITY);
    fx.flush(List.of(fx.v3), List.of(user));
    String features = "\"features\":[\"user_total_spend_usd:v3\",\"embedding:v3\"]";
    for (String path : List.of("/v1/features:lookup", "/v1/features:batchLookup")) {
      ServingFixture.Reply r =
          post(
              path,
              "{\"entity_name\":\"user\",\"keys\":[\"u_nan\",\"u_inf\",\"u_ninf\"],"
                  + features
                  + "}");
      assertThat(r.status()).as(path + " " + r.body()).isEqualTo(200);
      JsonNode res = r.body().get("results");
      assertThat(res.get(0).at("/features/user_total_spend_usd/value").toString())
          .as(path)
          .isEqualTo("\"NaN\"");
      assertThat(res.get(0).at("/features/embedding/value").toString())
          .as(path)
          .isEqualTo("[\"NaN\",1.5]");
      assertThat(res.get(0).get("status").asText()).as(path).isEqualTo("OK");
      assertThat(res.get(1).at("/features/user_total_spend_usd/value").toString())
          .as(path)
          .isEqualTo("\"Infinity\"");
      assertThat(res.get(1).at("/features/embedding/value").toString())
          .as(path)
          .isEqualTo("[\"Infinity\",\"-Infinity\"]");
      assertThat(res.get(2).at("/features/user_total_spend_usd/value").toString())
          .as(path)
          .isEqualTo("\"-Infinity\"");
      // Jackson reads them back as the doubles they stand for
      assertThat(res.get(0).at("/features/user_total_spend_usd/value").asDouble()).isNaN();
      assertThat(res.get(2).at("/features/user_total_spend_usd/value").asDouble())
          .isEqualTo(Double.NEGATIVE_INFINITY);
    }
  }

  @Test
  void timeoutIsHonouredAndStoreFailureAnswersStale() throws Exception {
    String body =
        "{\"entity_name\":\"user\",\"keys\":[\"u2\"],\"features\":[\"user_7d_txn_count:v3\"],\"options\":{\"timeout_ms\":100,\"consistency\":\"strong\"}}";
    assertThat(lookup(body).body().at("/results/0/status").asText()).isEqualTo("OK");
    fx.source.delayMillis = 3_000;
    try {
      long t0 = System.nanoTime();
      ServingFixture.Reply slow = lookup(body);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(ms).isLessThan(1_000);
      assertThat(slow.body().at("/results/0/status").asText()).isEqualTo("STALE");
      assertThat(slow.body().at("/results/0/features/user_7d_txn_count/value").asLong())
          .isEqualTo(3);
      assertThat(slow.body().at("/results/0/features/user_7d_txn_count/ts").asText())
          .isEqualTo(Instant.ofEpochMilli(now - 10_000).toString());
    } finally {
      fx.source.delayMillis = 0;
    }
  }

  @Test
  void aClientsShortTimeoutDoesNotOpenTheBreakerForEveryone() throws Exception {
    // A deadline the store missed counted as a store failure: a client asking for timeout_ms 5
    // while reads took ~50 ms opened the circuit breaker after 10 lookups, and every lookup on the
    // server answered STALE, /v1/health DOWN (not ready), while the store answered every read.
    String hurried =
        "{\"entity_name\":\"user\",\"keys\":[\"u2\"],\"features\":[\"user_7d_txn_count:v3\"],\"options\":{\"timeout_ms\":5,\"consistency\":\"strong\"}}";
    fx.source.delayMillis = 50;
    try {
      for (int i = 0; i < 30; i++) {
        assertThat(lookup(hurried).body().at("/results/0/status").asText()).isEqualTo("STALE");
      }
      Thread.sleep(400); // the breaker's counters update every 200 ms
    } finally {
      fx.source.delayMillis = 0;
    }
    ServingFixture.Reply patient =
        lookup(hurried.replace("\"timeout_ms\":5", "\"timeout_ms\":2000"));
    assertThat(patient.body().at("/results/0/status").asText())
        .as(patient.body().toString())
        .isEqualTo("OK");
    ServingFixture.Reply health = fx.get("/v1/health");
    assertThat(health.status()).as(health.body().toString()).isEqualTo(200);
  }

  @Test
  void aBadRequestLogsNoStackTrace() throws Exception {
    // Caffeine logs a failed asynchronous load (through System.Logger, here java.util.logging)
    // with its stack trace: a request's own mistake must not be one.
    java.util.logging.Logger caffeine = java.util.logging.Logger.getLogger("com.github.benmanes");
    java.util.List<java.util.logging.LogRecord> logged =
        java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    java.util.logging.Handler capture =
        new java.util.logging.Handler() {
          @Override
          public void publish(java.util.logging.LogRecord record) {
            logged.add(record);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    caffeine.addHandler(capture);
    try {
      for (int i = 0; i < 3; i++) {
        assertError(
            lookup("{\"entity_name\":\"nobody" + i + "\",\"keys\":[\"u1\"],\"features\":[\"x\"]}"),
            404,
            "NOT_FOUND",
            "entity_name",
            "unknown entity 'nobody" + i + "'");
      }
    } finally {
      caffeine.removeHandler(capture);
    }
    assertThat(logged).extracting(java.util.logging.LogRecord::getMessage).isEmpty();
  }

  @Test
  void errorsShowAtMost200CharactersOfAnEchoedInput() throws Exception {
    // an unknown feature name of 150,000 characters answered an error body of 150 KB (4 MB at the
    // default request limit)
    String name = "f".repeat(150_000);
    String cut = "f".repeat(200) + "… (150000 characters)";
    ServingFixture.Reply r =
        lookup("{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"" + name + "\"]}");
    assertError(
        r, 404, "NOT_FOUND", "features[0]", "unknown feature '" + cut + "' for entity 'user'");
    assertThat(r.body().toString().length()).isLessThan(2_500);
    r = lookup("{\"entity_name\":\"" + name + "\",\"keys\":[\"u1\"],\"features\":[\"x\"]}");
    assertError(r, 404, "NOT_FOUND", "entity_name", "unknown entity '" + cut + "'");
    assertThat(r.body().toString().length()).isLessThan(2_500);
    // an echoed field name, in the message and in "field" (Jackson takes names up to 50,000)
    String key = "k".repeat(40_000);
    r =
        lookup(
            "{\"entity_name\":\"user\",\"keys\":[{\""
                + key
                + "\":\"u1\"}],\"features\":[\"user_7d_txn_count\"]}");
    assertError(
        r,
        400,
        "INVALID_ARGUMENT",
        "keys[0]." + "k".repeat(1_992) + "… (40008 characters)",
        "keys[0]: '" + "k".repeat(200) + "… (40000 characters)' is not a join key");
    assertThat(r.body().toString().length()).isLessThan(5_000);
  }

  @Test
  void badInputGetsDocumentedErrors() throws Exception {
    assertError(
        lookup("{\"entity_name\": \"user\", \"keys\": [\"u1\""),
        400,
        "INVALID_ARGUMENT",
        null,
        "malformed JSON: Unexpected end-of-input: expected close marker for Array (start marker at"
            + " line 1, column 33) at line 1, column 38");
    assertThat(lookup("{\"entity_name\": \"user\", \"keys\": [\"u1\"").body().toString())
        .doesNotContain("REDACTED")
        .doesNotContain("StreamReadFeature");
    assertError(
        lookup("{\"entity_name\":\"usr\",\"keys\":[\"u1\"],\"features\":[\"x\"]}"),
        404,
        "NOT_FOUND",
        "entity_name",
        "unknown entity 'usr' in namespace default; did you mean user? (known: ");
    // a namespace with nothing in it says so, instead of an empty "(known: )"
    assertError(
        lookup(
            "{\"namespace\":\"nope\",\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"x\"]}"),
        404,
        "NOT_FOUND",
        "entity_name",
        "unknown entity 'user' in namespace nope (namespace nope has no entities: check the"
            + " request's namespace, or apply the specs that define them)");
    // 'view.*' (as exports take it) is a 400 that says so, not 404 "unknown feature '*'"
    assertError(
        lookup(
            "{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"user_activity_metrics.*\"]}"),
        400,
        "INVALID_ARGUMENT",
        "features[0]",
        "'user_activity_metrics.*': a lookup names each feature ('*', every feature of a view, is"
            + " for exports: quiver export 'view.*'); list them, e.g."
            + " \"user_activity_metrics.");
    assertError(
        lookup("{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"user_7d_txn_cnt\"]}"),
        404,
        "NOT_FOUND",
        "features[0]",
        "did you mean user_7d_txn_count?");
    // suggestions ignore case, as the spec's do
    assertError(
        lookup("{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"USER_7D_TXN_COUNT\"]}"),
        404,
        "NOT_FOUND",
        "features[0]",
        "unknown feature 'USER_7D_TXN_COUNT' for entity 'user'; did you mean user_7d_txn_count?");
    // another entity's feature says whose it is, instead of a did-you-mean of a user feature
    assertError(
        lookup("{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"risk\"]}"),
        404,
        "NOT_FOUND",
        "features[0]",
        "unknown feature 'risk' for entity 'user'; it is a feature of entity merchant (view"
            + " merchant_risk): a lookup serves one entity, so ask for it with that entity_name");
    // a field given twice is malformed, not "the last one wins"
    assertError(
        lookup(
            "{\"entity_name\":\"merchant\",\"keys\":[\"u1\"],\"features\":[\"user_7d_txn_count\"],"
                + "\"entity_name\":\"user\"}"),
        400,
        "INVALID_ARGUMENT",
        null,
        "malformed JSON: Duplicate field 'entity_name'");
    assertError(
        lookup(
            "{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"user_activity_metrics:v9.user_7d_txn_count\"]}"),
        404,
        "NOT_FOUND",
        "features[0]",
        "has no version 'v9'");
    // an unknown view names the request's field (was the registry route's "name") and the views
    // the entity has, with a did-you-mean
    assertError(
        lookup(
            "{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"user_activty_metrics.user_7d_txn_count\"]}"),
        404,
        "NOT_FOUND",
        "features[0]",
        "unknown feature view 'user_activty_metrics' in namespace default; did you mean"
            + " user_activity_metrics? (views of entity user: user_activity_metrics, user_legacy,"
            + " user_session, user_txn_windows");
    assertError(
        lookup(
            "{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"user_7d_txn_count\",\"nope:v2.x\"]}"),
        404,
        "NOT_FOUND",
        "features[1]",
        "unknown feature view 'nope' in namespace default (views of entity user:");
    assertError(
        lookup("{\"entity_name\":\"user\",\"keys\":[],\"features\":[\"x\"]}"),
        400,
        "INVALID_ARGUMENT",
        "keys",
        "at least one key");
    assertError(
        lookup("{\"entity_name\":\"user\",\"keys\":[42],\"features\":[\"session_clicks\"]}"),
        400,
        "INVALID_ARGUMENT",
        "keys[0]",
        "is not a key of entity user");
    assertError(
        lookup("{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"shared\"]}"),
        400,
        "INVALID_ARGUMENT",
        "features[0]",
        "qualify it as user_legacy.shared or user_session.shared");
    StringBuilder many =
        new StringBuilder("{\"entity_name\":\"user\",\"features\":[\"session_clicks\"],\"keys\":[");
    for (int i = 0; i < 5001; i++) {
      many.append(i == 0 ? "" : ",").append("\"k").append(i).append('"');
    }
    assertError(
        post("/v1/features:batchLookup", many + "]}"),
        400,
        "INVALID_ARGUMENT",
        "keys",
        "at most 5000");
    // a key longer than online stores take (HBase row keys: 32,767 bytes) is the caller's mistake
    assertError(
        lookup(
            "{\"entity_name\":\"user\",\"keys\":[\"u1\",\""
                + "x".repeat(EntityKeys.MAX_KEY_CHARS + 1)
                + "\"],\"features\":[\"session_clicks\"]}"),
        400,
        "INVALID_ARGUMENT",
        "keys[1]",
        "keys[1]: a key of 8193 characters (expected: at most 8192 characters of join-key values"
            + " per key)");
    assertThat(
            lookup(
                    "{\"entity_name\":\"user\",\"keys\":[\""
                        + "x".repeat(EntityKeys.MAX_KEY_CHARS)
                        + "\"],\"features\":[\"session_clicks\"]}")
                .status())
        .isEqualTo(200);
    String huge =
        "{\"entity_name\":\"user\",\"keys\":[\""
            + "x".repeat(300_000)
            + "\"],\"features\":[\"f\"]}";
    // 413, 415 and 405 name the part of the request at fault in field, like every 4xx (it was null)
    assertError(
        lookup(huge),
        413,
        "PAYLOAD_TOO_LARGE",
        "body",
        "request body is larger than 200000 bytes (once decoded, if compressed); send a smaller"
            + " body (fewer keys per lookup), or raise the limit with server.max-request-length");
    assertError(post("/v1/nothing", "{}"), 404, "NOT_FOUND", null, "no such endpoint");
    // every unknown route answers the documented JSON error body, under /docs/ too (its file
    // service answered a plain-text 404)
    for (String route : List.of("/docs/nope", "/docs/nope/deeper", "/v2/anything", "/nope", "/")) {
      assertError(fx.get(route), 404, "NOT_FOUND", null, "no such endpoint: GET " + route);
      assertThat(fx.get(route).raw().headers().firstValue("content-type"))
          .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    }
    assertError(
        fx.send(
            java.net.http.HttpRequest.newBuilder(fx.uri("/v1/features:lookup")).DELETE().build()),
        405,
        "METHOD_NOT_ALLOWED",
        "method",
        "method DELETE is not allowed on /v1/features:lookup (allowed: POST; see GET");
    // RFC 9110: a 405 names the allowed methods in Allow (it had none)
    assertThat(fx.get("/v1/features:batchLookup").raw().headers().allValues("allow"))
        .containsExactly("POST");
    assertThat(fx.get("/v1/registry/featureViews").raw().headers().firstValue("allow")).isEmpty();
    ServingFixture.Reply putView =
        fx.send(
            java.net.http.HttpRequest.newBuilder(
                    fx.uri("/v1/registry/featureViews/user_activity_metrics/versions/v3"))
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{}"))
                .build());
    assertThat(putView.status()).isEqualTo(405);
    assertThat(putView.raw().headers().firstValue("allow")).hasValue("GET, HEAD");
    // a trailing slash: the route is named (it was a bare "no such endpoint")
    assertError(
        post("/v1/features:lookup/", "{}"),
        404,
        "NOT_FOUND",
        null,
        "no such endpoint: POST /v1/features:lookup/; did you mean /v1/features:lookup (without"
            + " the trailing slash)?");
    assertError(
        fx.get("/v1/registry/featureViews/user_legacy/versions//"),
        404,
        "NOT_FOUND",
        null,
        "did you mean /v1/registry/featureViews/user_legacy/versions (without");
    assertError(
        fx.get("/v1/nothing/"), 404, "NOT_FOUND", null, "no such endpoint: GET /v1/nothing/ (see");
    // an echoed path is cut short like every echoed input
    String longPath = "/v2/" + "p".repeat(3_000);
    ServingFixture.Reply far = fx.get(longPath);
    assertError(far, 404, "NOT_FOUND", null, "… (" + longPath.length() + " characters)");
    assertThat(far.body().toString().length()).isLessThan(1_000);
    // the health, metrics and openapi routes are GET-only, like the documented route table
    for (String route : List.of("/v1/health", "/v1/metrics", "/v1/openapi.json")) {
      assertError(
          post(route, "{}"),
          405,
          "METHOD_NOT_ALLOWED",
          "method",
          "method POST is not allowed on " + route + " (allowed: GET, HEAD;");
      assertThat(post(route, "{}").raw().headers().firstValue("allow")).hasValue("GET, HEAD");
    }
    assertThat(fx.get("/v1/health").status()).isEqualTo(200);
    assertThat(fx.get("/v1/openapi.json").status()).isEqualTo(200);
    // the HTTP decoder's refusals were 500 INTERNAL (TooLongHttpLineException) with a stack trace
    assertError(
        fx.get("/v1/registry/featureViews/" + "v".repeat(10_000) + "/versions"),
        414,
        "URI_TOO_LONG",
        null,
        "the request line (method, path and query string) is too long (An HTTP line is larger"
            + " than 4096 bytes.); shorten the path or query string");
    ServingFixture.Reply bigHeader =
        fx.send(
            java.net.http.HttpRequest.newBuilder(fx.uri("/v1/health"))
                .header("x-big", "h".repeat(70_000))
                .GET()
                .build());
    assertError(bigHeader, 431, "HEADERS_TOO_LARGE", null, "the request headers are too large");
    // a path Java's URI refuses to build: sent as raw bytes
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", fx.server.port())) {
      socket
          .getOutputStream()
          .write(
              ("GET /v1/registry/featureViews/%zz/versions HTTP/1.1\r\nHost: x\r\n"
                      + "Connection: close\r\n\r\n")
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String raw =
          new String(
              socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(raw)
          .startsWith("HTTP/1.1 400")
          .contains(
              "{\"error\":{\"code\":\"INVALID_ARGUMENT\",\"message\":\"malformed HTTP request");
    }
  }

  @Test
  void metricsSeriesHaveStableNamesAndDoNotGrowWithWhatUsersSend() throws Exception {
    // /v1/metrics and /v1/openapi.json were metered under their handler's class name, a lambda's
    // (dev.quiver.serving.QuiverServer$$Lambda$5930/0x...), which changes from build to build.
    for (String route : List.of("/v1/metrics", "/v1/openapi.json", "/v1/health")) {
      assertThat(fx.get(route).status()).isEqualTo(200);
    }
    Runnable random =
        () -> {
          try {
            String r = Long.toHexString(System.nanoTime());
            lookup(
                "{\"entity_name\":\"e"
                    + r
                    + "\",\"keys\":[\"k"
                    + r
                    + "\"],\"features\":[\"f"
                    + r
                    + "\"],\"namespace\":\"n"
                    + r
                    + "\"}");
            lookup("{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"f" + r + "\"]}");
            fx.get("/v1/x" + r);
            fx.get("/v1/registry/featureViews/v" + r + "/versions/latest");
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        };
    random.run();
    java.util.function.Supplier<java.util.Set<String>> series =
        () -> {
          try {
            java.util.Set<String> out = new java.util.TreeSet<>();
            for (String line : fx.get("/v1/metrics").raw().body().split("\n")) {
              if (!line.startsWith("#") && !line.isBlank()) {
                out.add(line.substring(0, line.lastIndexOf(' ')));
              }
            }
            return out;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        };
    java.util.Set<String> before = series.get();
    assertThat(String.join("\n", before))
        .contains("service=\"/v1/metrics\"")
        .contains("service=\"/v1/openapi.json\"")
        .contains("service=\"/v1/health\"")
        .doesNotContain("$$Lambda");
    for (int i = 0; i < 20; i++) {
      random.run();
    }
    java.util.Set<String> after = series.get();
    after.removeAll(before);
    // what users send (names, keys, paths) is never a label: no new series
    assertThat(after).as("new series").allMatch(k -> !k.contains("quiver_"));
  }

  @Test
  void requestsNoRouteTookAreMeteredAsUnmatched() throws Exception {
    // An unknown path (404) and a known path with another method (405) are answered by Armeria's
    // fallback service, which was metered under its class name (service="FallbackService"), as
    // if it were an endpoint; their series are "unmatched", one per method and status.
    assertThat(fx.get("/v1/nope").status()).isEqualTo(404);
    assertThat(
            fx.send(
                    java.net.http.HttpRequest.newBuilder(fx.uri("/v1/features:lookup"))
                        .DELETE()
                        .build())
                .status())
        .isEqualTo(405);
    String metrics = fx.get("/v1/metrics").raw().body();
    assertThat(metrics)
        .contains(
            "quiver_http_requests_total{hostname_pattern=\"*\",http_status=\"404\","
                + "method=\"GET\",result=\"failure\",service=\"unmatched\"}")
        .contains(
            "quiver_http_requests_total{hostname_pattern=\"*\",http_status=\"405\","
                + "method=\"DELETE\",result=\"failure\",service=\"unmatched\"}")
        .doesNotContain("FallbackService");
  }

  @Test
  void contentTypesAndCompressedBodies() throws Exception {
    // Until session 13 the content type was ignored (a form or text/plain body was read as JSON)
    // and a gzip body was a 400 'malformed JSON: Illegal character ((CTRL-CHAR, code 31))'.
    String body =
        "{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"user_7d_txn_count:v3\"]}";
    byte[] json = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (String ok :
        List.of("application/json", "application/json; charset=utf-8", "application/vnd.x+json")) {
      ServingFixture.Reply r = fx.post("/v1/features:lookup", body, ok);
      assertThat(r.status()).as(ok + ": " + r.body()).isEqualTo(200);
    }
    // no content type at all is read as JSON
    assertThat(send(json, null, null).status()).isEqualTo(200);
    for (String bad :
        List.of(
            "application/x-www-form-urlencoded", "text/plain", "application/yaml", "nonsense")) {
      assertError(
          send(json, bad, null),
          415,
          "UNSUPPORTED_MEDIA_TYPE",
          "content-type",
          "(expected: application/json; with curl, add -H 'content-type: application/json')");
    }
    // gzip and deflate bodies are decoded
    java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
      out.write(json);
    }
    ServingFixture.Reply g = send(gz.toByteArray(), "application/json", "gzip");
    assertThat(g.status()).as(g.body().toString()).isEqualTo(200);
    assertThat(g.body().at("/results/0/features/user_7d_txn_count/value").asLong()).isEqualTo(12);
    java.io.ByteArrayOutputStream df = new java.io.ByteArrayOutputStream();
    try (java.util.zip.DeflaterOutputStream out = new java.util.zip.DeflaterOutputStream(df)) {
      out.write(json);
    }
    assertThat(send(df.toByteArray(), "application/json", "deflate").status()).isEqualTo(200);
    assertThat(send(json, "application/json", "identity").status()).isEqualTo(200);
    assertError(
        send(gz.toByteArray(), "application/json", "br"),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        "content-encoding",
        "content-encoding: 'br' (expected: gzip, deflate or identity)");
    // the limit holds for the decoded body: 1 MB of spaces gzips to ~1 KB (a zip bomb in small)
    java.io.ByteArrayOutputStream bomb = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(bomb)) {
      out.write(json, 0, json.length - 1);
      out.write(" ".repeat(1_000_000).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.write('}');
    }
    assertThat(bomb.size()).isLessThan(5_000);
    assertError(
        send(bomb.toByteArray(), "application/json", "gzip"),
        413,
        "PAYLOAD_TOO_LARGE",
        "body",
        "larger than 200000 bytes");
    // bytes that are no gzip stream: the request's fault
    ServingFixture.Reply notGzip = send(json, "application/json", "gzip");
    assertThat(notGzip.status()).as(notGzip.body().toString()).isEqualTo(400);
    assertThat(notGzip.body().at("/error/code").asText()).isEqualTo("INVALID_ARGUMENT");
    // a gzip body cut short (a proxy or client that stopped sending): it inflates to a prefix of
    // the JSON, which was answered "malformed JSON: Unexpected end-of-input"
    byte[] whole = gz.toByteArray();
    for (int cut : new int[] {whole.length - 4, whole.length / 2}) {
      ServingFixture.Reply truncated =
          send(java.util.Arrays.copyOf(whole, cut), "application/json", "gzip");
      assertError(
          truncated,
          400,
          "INVALID_ARGUMENT",
          "content-encoding",
          "malformed request body: the gzip body is truncated or corrupt");
      assertThat(truncated.body().toString()).doesNotContain("malformed JSON");
    }
    assertError(
        notGzip,
        400,
        "INVALID_ARGUMENT",
        "content-encoding",
        "malformed request body: the gzip body is truncated or corrupt");
    // no bytes at all with a coding: an empty body (as without one), not a cut stream
    ServingFixture.Reply empty = send(new byte[0], "application/json", "gzip");
    assertThat(empty.status()).as(empty.body().toString()).isEqualTo(400);
    assertThat(empty.body().at("/error/message").asText()).doesNotContain("truncated");
    // gzip members one after the other are still one body (RFC 1952)
    java.io.ByteArrayOutputStream members = new java.io.ByteArrayOutputStream();
    for (int[] part : new int[][] {{0, 10}, {10, json.length - 10}}) {
      try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(members)) {
        out.write(json, part[0], part[1]);
      }
    }
    ServingFixture.Reply twoMembers = send(members.toByteArray(), "application/json", "gzip");
    assertThat(twoMembers.status()).as(twoMembers.body().toString()).isEqualTo(200);
  }

  /**
   * The decoded-size limit held per piece of the body, not for the whole of it: each gzip member,
   * and each network chunk the server read, was inflated against {@code server.max-request-length}
   * on its own, so two members of 150 KB each (200 KB limit) were a 200, and so was a 24 MB body (4
   * MB limit) sent as a gzip stream flushed every MB, on {@code quiver local}. The limit is for the
   * whole decoded body.
   */
  @Test
  void theDecodedSizeLimitHoldsForTheWholeBodyNotEachPiece() throws Exception {
    String head =
        "{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"user_7d_txn_count:v3\"]";
    byte[] padding = " ".repeat(150_000).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    // two gzip members, each under the limit, together over it
    java.io.ByteArrayOutputStream members = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(members)) {
      out.write(head.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      out.write(padding);
    }
    try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(members)) {
      out.write(padding);
      out.write('}');
    }
    assertError(
        send(members.toByteArray(), "application/json", "gzip"),
        413,
        "PAYLOAD_TOO_LARGE",
        "body",
        "larger than 200000 bytes");
    // one gzip stream, flushed every 100 KB of input and sent in HTTP chunks a while apart
    assertError(
        sendChunked(flushedGzip(head, 5, 100_000), "gzip"),
        413,
        "PAYLOAD_TOO_LARGE",
        "body",
        "larger than 200000 bytes");
    // under the limit in all, the same two ways: still answered
    java.io.ByteArrayOutputStream small = new java.io.ByteArrayOutputStream();
    for (String piece : List.of(head + " ".repeat(90_000), " ".repeat(90_000) + "}")) {
      try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(small)) {
        out.write(piece.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    ServingFixture.Reply ok = send(small.toByteArray(), "application/json", "gzip");
    assertThat(ok.status()).as(ok.body().toString()).isEqualTo(200);
    ServingFixture.Reply okChunked = sendChunked(flushedGzip(head, 5, 30_000), "gzip");
    assertThat(okChunked.status()).as(okChunked.body().toString()).isEqualTo(200);
    assertThat(okChunked.body().at("/results/0/features/user_7d_txn_count/value").asLong())
        .isEqualTo(12);
  }

  /**
   * {@code head}, {@code pieces} times {@code size} spaces and '}' as one gzip stream, flushed
   * after each piece: one byte array per flush.
   */
  private static java.util.List<byte[]> flushedGzip(String head, int pieces, int size)
      throws java.io.IOException {
    java.util.List<byte[]> chunks = new java.util.ArrayList<>();
    java.io.ByteArrayOutputStream part = new java.io.ByteArrayOutputStream();
    byte[] padding = " ".repeat(size).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(part, true)) {
      out.write(head.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      for (int i = 0; i < pieces; i++) {
        out.write(padding);
        out.flush();
        chunks.add(part.toByteArray());
        part.reset();
      }
      out.write('}');
    }
    chunks.add(part.toByteArray());
    return chunks;
  }

  /**
   * The chunks as HTTP/1.1 chunked transfer coding, 50 ms apart, so the server reads each alone.
   */
  private static ServingFixture.Reply sendChunked(java.util.List<byte[]> chunks, String encoding)
      throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", fx.server.port())) {
      java.io.OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/features:lookup HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                  + "Content-Type: application/json\r\nContent-Encoding: "
                  + encoding
                  + "\r\nTransfer-Encoding: chunked\r\n\r\n")
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      for (byte[] chunk : chunks) {
        out.write(
            (Integer.toHexString(chunk.length) + "\r\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.write(chunk);
        out.write("\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.flush();
        Thread.sleep(50);
      }
      out.write("0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.flush();
      String raw =
          new String(
              socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      int status = Integer.parseInt(raw.substring(9, 12));
      String text = raw.substring(raw.indexOf("\r\n\r\n") + 4);
      JsonNode json;
      try {
        json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
      } catch (Exception e) {
        json = com.fasterxml.jackson.databind.node.TextNode.valueOf(raw);
      }
      return new ServingFixture.Reply(status, json, null);
    }
  }

  private static ServingFixture.Reply send(byte[] body, String contentType, String encoding)
      throws Exception {
    // Java's client refuses no header, but sets none unless asked: raw bytes over a socket keep
    // the request exactly as given.
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", fx.server.port())) {
      StringBuilder head =
          new StringBuilder(
              "POST /v1/features:lookup HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
      if (contentType != null) {
        head.append("Content-Type: ").append(contentType).append("\r\n");
      }
      if (encoding != null) {
        head.append("Content-Encoding: ").append(encoding).append("\r\n");
      }
      head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
      java.io.OutputStream out = socket.getOutputStream();
      out.write(head.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      String raw =
          new String(
              socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      int status = Integer.parseInt(raw.substring(9, 12));
      String text = raw.substring(raw.indexOf("\r\n\r\n") + 4);
      JsonNode json;
      try {
        json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
      } catch (Exception e) {
        json = com.fasterxml.jackson.databind.node.TextNode.valueOf(raw);
      }
      return new ServingFixture.Reply(status, json, null);
    }
  }

  /**
   * A query parameter on a lookup route was ignored: {@code ?timeout_ms=5} answered with the
   * default deadline, {@code ?as_of=...} with the current values, as if the client had been heard.
   * Like every other route's unknown parameter (and an unknown body field), it is a 400 naming it,
   * pointing to the body.
   */
  @Test
  void aQueryParameterOnALookupRouteIsRefused() throws Exception {
    String body =
        "{\"entity_name\":\"user\",\"keys\":[\"u1\"],\"features\":[\"user_7d_txn_count:v3\"]}";
    for (String route : List.of("/v1/features:lookup", "/v1/features:batchLookup")) {
      assertError(
          post(route + "?timeout_ms=5", body),
          400,
          "INVALID_ARGUMENT",
          "timeout_ms",
          "unknown query parameter 'timeout_ms' (expected: none; a lookup's options are fields of"
              + " its JSON body: options.timeout_ms, options.consistency, as_of, namespace)");
    }
    assertThat(post("/v1/features:lookup", body).status()).isEqualTo(200);
  }

  static void assertError(
      ServingFixture.Reply r, int status, String code, String field, String messagePart) {
    assertThat(r.status()).as(r.body().toString()).isEqualTo(status);
    JsonNode e = r.body().get("error");
    assertThat(e.get("code").asText()).isEqualTo(code);
    assertThat(e.get("message").asText()).contains(messagePart);
    if (field == null) {
      assertThat(e.get("field").isNull()).as(r.body().toString()).isTrue();
    } else {
      assertThat(e.get("field").asText()).as(r.body().toString()).isEqualTo(field);
    }
    assertThat(r.body().toString()).doesNotContain("at dev.quiver").doesNotContain("Exception:");
  }
}
