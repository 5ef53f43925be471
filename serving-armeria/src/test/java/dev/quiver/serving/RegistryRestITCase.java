package dev.quiver.serving;

import static dev.quiver.serving.LookupContractITCase.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The registry REST API on the embedded registry: a round trip and the documented bad inputs. */
class RegistryRestITCase {
  static ServingFixture fx;

  static final String PRD_VIEW =
      """
      {
        "name": "user_spend_metrics",
        "version": "v3",
        "entities": ["user"],
        "ttl_seconds": 604800,
        "sla_freshness_seconds": 60,
        "watermark_expr": "event_time",
        "features": [
          {"name": "user_7d_txn_total", "dtype": "INT64"},
          {"name": "user_spend_total_usd", "dtype": "FLOAT64"}
        ],
        "transformations": [{"language": "flink", "code": "SELECT user_id, 1 AS user_7d_txn_total, 2.0 AS user_spend_total_usd FROM t"}],
        "owner": "a.patel@example.com",
        "tags": {"domain": "payments", "pii": "no"}
      }
      """;

  @BeforeAll
  static void start() {
    fx = new ServingFixture(Map.of("server.max-request-length", "20000"), s -> s);
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  @Test
  void roundTrip() throws Exception {
    // a dry run only plans: 200 (not 201 Created), the plan says CREATE, nothing is stored
    ServingFixture.Reply planned = fx.post("/v1/registry/featureViews?dry_run=true", PRD_VIEW);
    assertThat(planned.status()).as(planned.body().toString()).isEqualTo(200);
    assertThat(planned.body().at("/changes/0/action").asText()).isEqualTo("CREATE");
    assertThat(fx.get("/v1/registry/featureViews/user_spend_metrics/versions/latest").status())
        .isEqualTo(404);
    ServingFixture.Reply created = fx.post("/v1/registry/featureViews", PRD_VIEW);
    assertThat(created.status()).as(created.body().toString()).isEqualTo(201);
    assertThat(created.body().at("/view/version").asText()).isEqualTo("v3");

    ServingFixture.Reply got =
        fx.get("/v1/registry/featureViews/user_spend_metrics/versions/latest");
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.body().get("name").asText()).isEqualTo("user_spend_metrics");
    assertThat(got.body().get("owner").asText()).isEqualTo("a.patel@example.com");
    assertThat(got.body().at("/features/1/name").asText()).isEqualTo("user_spend_total_usd");
    assertThat(got.raw().headers().firstValue("etag")).hasValue("\"v3\"");
    // GET, edit, POST: the answer's read-only fields (created_at, spec_checksum, warnings, ...)
    // do not make the spec invalid when it comes back
    assertThat(got.body().has("created_at")).isTrue();
    ServingFixture.Reply echoed =
        fx.post("/v1/registry/featureViews?dry_run=true", got.body().toString());
    assertThat(echoed.status()).as(echoed.body().toString()).isEqualTo(200);
    assertThat(echoed.body().at("/changes/0/action").asText()).isNotEqualTo("CREATE");

    // A compatible change (a new feature) is a new revision; If-Match with the old head works once.
    String added =
        PRD_VIEW.replace(
            "{\"name\": \"user_spend_total_usd\", \"dtype\": \"FLOAT64\"}",
            "{\"name\": \"user_spend_total_usd\", \"dtype\": \"FLOAT64\"},"
                + " {\"name\": \"user_refunds\", \"dtype\": \"INT64\"}");
    ServingFixture.Reply updated =
        fx.send(
            java.net.http.HttpRequest.newBuilder(fx.uri("/v1/registry/featureViews"))
                .header("content-type", "application/json")
                .header("If-Match", "\"v3\"")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(added))
                .build());
    assertThat(updated.status()).as(updated.body().toString()).isEqualTo(200);
    assertThat(updated.body().at("/view/version").asText()).isEqualTo("v3.1");
    ServingFixture.Reply stale =
        fx.send(
            java.net.http.HttpRequest.newBuilder(fx.uri("/v1/registry/featureViews"))
                .header("content-type", "application/json")
                .header("If-Match", "\"v3\"")
                .POST(
                    java.net.http.HttpRequest.BodyPublishers.ofString(
                        added.replace("a.patel@", "b.patel@")))
                .build());
    assertThat(stale.status()).as(stale.body().toString()).isEqualTo(409);
    assertThat(stale.body().at("/error/code").asText()).isEqualTo("CONFLICT");

    // YAML works too; filters and pagination.
    String yaml =
        """
        name: yaml_view
        version: v1
        entities: [user]
        ttl_seconds: 3600
        owner: yaml@example.com
        tags: {domain: growth}
        features:
          - {name: clicks, dtype: INT64}
        transformations:
          - {language: flink, code: "SELECT user_id, 1 AS clicks FROM t"}
        """;
    assertThat(fx.post("/v1/registry/featureViews", yaml, "application/yaml").status())
        .isEqualTo(201);
    ServingFixture.Reply byOwner = fx.get("/v1/registry/featureViews?owner=yaml@example.com");
    assertThat(byOwner.body().get("items")).hasSize(1);
    assertThat(byOwner.body().at("/items/0/name").asText()).isEqualTo("yaml_view");
    assertThat(fx.get("/v1/registry/featureViews?tag=domain=payments").body().get("items"))
        .hasSize(1);
    assertThat(fx.get("/v1/registry/featureViews?q=yaml").body().get("items")).hasSize(1);
    ServingFixture.Reply notANumber = fx.get("/v1/registry/featureViews?limit=abc");
    assertThat(notANumber.status()).isEqualTo(400);
    assertThat(notANumber.body().at("/error/field").asText()).isEqualTo("limit");
    assertThat(notANumber.body().at("/error/message").asText()).contains("'abc'").contains("1..");
    assertThat(fx.get("/v1/registry/featureViews?offset=-1").body().at("/error/field").asText())
        .isEqualTo("offset");
    ServingFixture.Reply page = fx.get("/v1/registry/featureViews?limit=2&offset=0");
    assertThat(page.body().get("items")).hasSize(2);
    assertThat(page.body().get("next_offset").asInt()).isEqualTo(2);

    // a sunset in the past announces a retirement that never comes: refused, naming the field
    ServingFixture.Reply past =
        fx.post(
            "/v1/registry/featureViews/yaml_view/versions/v1:deprecate?sunset=2020-01-01T00:00:00Z",
            "");
    assertThat(past.status()).isEqualTo(400);
    assertThat(past.body().at("/error/field").asText()).isEqualTo("sunset");
    assertThat(past.body().at("/error/message").asText())
        .startsWith("sunset: 2020-01-01T00:00:00Z is not in the future")
        .contains("expected: the date the version will retire")
        // the API has no retire: the fix names the command (was "to retire it now, retire it")
        .endsWith("to retire it now: quiver deprecate yaml_view:v1 --retire)");
    assertThat(
            fx.get("/v1/registry/featureViews/yaml_view/versions/v1").body().get("status").asText())
        .isEqualTo("ACTIVE");
    ServingFixture.Reply dep =
        fx.post("/v1/registry/featureViews/yaml_view/versions/v1:deprecate", "");
    assertThat(dep.status()).as(dep.body().toString()).isEqualTo(200);
    assertThat(dep.body().get("status").asText()).isEqualTo("DEPRECATED");
    assertThat(fx.get("/v1/registry/featureViews?status=DEPRECATED").body().toString())
        .contains("yaml_view");
    assertThat(fx.get("/v1/registry/entities").body().toString()).contains("merchant_id");
    // ?namespace= (blank) is the default namespace, as if absent (was namespace '': 404, [])
    assertThat(fx.get("/v1/registry/entities?namespace=").body().toString())
        .contains("merchant_id");
    assertThat(
            fx.get("/v1/registry/featureViews/user_spend_metrics/versions/latest?namespace=")
                .status())
        .isEqualTo(200);
    assertThat(fx.get("/v1/registry/featureServices").body().toString()).contains("fraud_model");
  }

  /**
   * The entities and feature services read back in the spec's shape: each item is a document {@code
   * quiver apply} reads, giving the registry's object. Join keys were {@code {name, dtype}} (a spec
   * says {@code type}, and refused the item), without {@code kind}.
   */
  @Test
  void entitiesAndServicesReadBackAsSpecs() throws Exception {
    var registry = fx.registry;
    for (var item : fx.get("/v1/registry/entities").body().get("items")) {
      var parsed = dev.quiver.core.spec.SpecParser.parse(item.toString(), "entity.json").bundle();
      assertThat(parsed.entities()).as(item.toString()).hasSize(1);
      var e = parsed.entities().get(0);
      assertThat(registry.listEntities(e.namespace())).as(item.toString()).contains(e);
    }
    for (var item : fx.get("/v1/registry/featureServices").body().get("items")) {
      var parsed =
          dev.quiver.core.spec.SpecParser.parse(
                  item.toString(),
                  "service.json",
                  new dev.quiver.core.registry.RegistrySpecContext(registry))
              .bundle();
      assertThat(parsed.services()).as(item.toString()).hasSize(1);
      var s = parsed.services().get(0);
      assertThat(registry.listServices(s.namespace())).as(item.toString()).contains(s);
    }
  }

  /**
   * Lineage (upstream sources, downstream consumers) was only in `quiver describe`: the REST API
   * had no route for it.
   */
  @Test
  void lineageNamesTheConsumersOfAView() throws Exception {
    ServingFixture.Reply lineage =
        fx.get("/v1/registry/featureViews/user_activity_metrics/lineage");
    assertThat(lineage.status()).as(lineage.body().toString()).isEqualTo(200);
    assertThat(lineage.body().get("name").asText()).isEqualTo("user_activity_metrics");
    assertThat(lineage.body().get("namespace").asText()).isEqualTo("default");
    assertThat(lineage.body().get("upstream_sources").isArray()).isTrue();
    assertThat(lineage.body().get("downstream_consumers").toString())
        .contains("\"default.fraud_model\""); // the class's other tests may add consumers
    ServingFixture.Reply unknown = fx.get("/v1/registry/featureViews/user_activity_metric/lineage");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.body().at("/error/message").asText()).contains("user_activity_metric");
    // the versions route answered the same missing view with its own message, without the
    // "did you mean": one check, one 404 body
    ServingFixture.Reply unknownVersions =
        fx.get("/v1/registry/featureViews/user_activity_metric/versions");
    assertThat(unknownVersions.status()).isEqualTo(404);
    assertThat(unknownVersions.body()).isEqualTo(unknown.body());
    assertError(
        unknown,
        404,
        "NOT_FOUND",
        "name",
        "unknown feature view 'default.user_activity_metric'; did you mean user_activity_metrics?");
    assertThat(
            fx.get("/v1/registry/featureViews/user_activity_metrics/lineage?namspace=x")
                .body()
                .at("/error/field")
                .asText())
        .isEqualTo("namspace");
  }

  @Test
  void badInputs() throws Exception {
    assertError(
        fx.post("/v1/registry/featureViews", "{\"name\": \"x\", "), 400, "INVALID_SPEC", null, "");
    // Jackson's "[Source: REDACTED (`StreamReadFeature...` disabled); ...]" is only the position
    assertError(
        fx.post("/v1/registry/featureViews", "{\"name\": \"x\""),
        400,
        "INVALID_SPEC",
        null,
        "not valid JSON: Unexpected end-of-input: expected close marker for Object (start marker"
            + " at line 1, column 1)");
    // Armeria's own conversion said "Can't convert 'maybe' to type 'boolean'." with no field
    assertError(
        fx.post("/v1/registry/featureViews?dry_run=maybe", PRD_VIEW),
        400,
        "INVALID_ARGUMENT",
        "dry_run",
        "dry_run: 'maybe' (expected: true or false)");
    assertError(
        fx.get("/v1/registry/featureViews/no_such_view/versions/latest"),
        404,
        "NOT_FOUND",
        "name",
        "no_such_view");
    ServingFixture.Reply spec =
        fx.post(
            "/v1/registry/featureViews",
            PRD_VIEW
                .replace("\"INT64\"", "\"FLAOT64\"")
                .replace("user_spend_metrics", "typo_view"));
    assertThat(spec.status()).isEqualTo(400);
    assertThat(spec.body().at("/error/code").asText()).isEqualTo("INVALID_SPEC");
    assertThat(spec.body().at("/error/field").asText()).isEqualTo("features[0].dtype");
    assertThat(spec.body().at("/error/details/0").asText()).contains("FLAOT64");

    String v1 = PRD_VIEW.replace("user_spend_metrics", "breaking_view");
    assertThat(fx.post("/v1/registry/featureViews", v1).status()).isEqualTo(201);
    ServingFixture.Reply breaking =
        fx.post(
            "/v1/registry/featureViews",
            v1.replace("{\"name\": \"user_7d_txn_total\", \"dtype\": \"INT64\"},", ""));
    assertThat(breaking.status()).as(breaking.body().toString()).isEqualTo(409);
    assertThat(breaking.body().at("/error/code").asText()).isEqualTo("BREAKING_CHANGE");
    assertThat(breaking.body().at("/error/message").asText()).contains("user_7d_txn_total");

    String huge = PRD_VIEW.replace("a.patel@example.com", "x".repeat(30_000));
    assertError(
        fx.post("/v1/registry/featureViews", huge), 413, "PAYLOAD_TOO_LARGE", "body", "20000");
    // an unknown query parameter was ignored: a misspelt filter listed everything, a misspelt
    // namespace read the default one
    assertError(
        fx.get("/v1/registry/featureViews?stauts=ACTIVE"),
        400,
        "INVALID_ARGUMENT",
        "stauts",
        "unknown query parameter 'stauts'; did you mean status? (expected: namespace, owner, tag,"
            + " status, q, limit, offset)");
    assertError(
        fx.get("/v1/registry/entities?namespce=ml"),
        400,
        "INVALID_ARGUMENT",
        "namespce",
        "unknown query parameter 'namespce'; did you mean namespace? (expected: namespace)");
    assertError(
        fx.get("/v1/registry/featureViews/no_such_view/versions/latest?verison=v1"),
        400,
        "INVALID_ARGUMENT",
        "verison",
        "unknown query parameter 'verison'");
    assertThat(fx.get("/v1/registry/featureServices?namespace=default").status()).isEqualTo(200);
    // the form type (what curl -d and --data-binary send without -H) was read as form fields:
    // "unknown query parameter 'kind: feature_view\nname: ...'"
    for (String type : List.of("application/x-www-form-urlencoded", "image/png")) {
      assertError(
          fx.post("/v1/registry/featureViews?dry_run=true", PRD_VIEW, type),
          415,
          "UNSUPPORTED_MEDIA_TYPE",
          "content-type",
          "content-type: '"
              + type
              + "' (expected: application/json or application/yaml; with curl, add -H"
              + " 'content-type: application/yaml')");
    }
    for (String type : List.of("application/json", "application/yaml", "text/yaml")) {
      ServingFixture.Reply ok = fx.post("/v1/registry/featureViews?dry_run=true", PRD_VIEW, type);
      // read as a spec: planned (200), or a conflict with what an earlier test stored (409)
      assertThat(ok.status()).as(type + ": " + ok.body()).isIn(200, 409);
    }
    // a repeated parameter: the second tag was dropped, so the list held views without it
    assertError(
        fx.get("/v1/registry/featureViews?tag=domain=payments&tag=tier=1"),
        400,
        "INVALID_ARGUMENT",
        "tag",
        "query parameter 'tag' given 2 times (expected: at most once; each filter takes one value)");
    assertError(
        fx.get("/v1/registry/featureViews?limit=2&limit=3"),
        400,
        "INVALID_ARGUMENT",
        "limit",
        "query parameter 'limit' given 2 times");
    assertError(
        fx.get("/v1/registry/featureViews?status=SHINY"),
        400,
        "INVALID_ARGUMENT",
        "status",
        "SHINY");
  }
}
