package dev.quiver.core.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.registry.FeatureRegistry.SpecBundle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpecParserTest {
  static final Path EXAMPLES = Path.of("..", "examples");

  static String resource(String name) throws IOException {
    return Files.readString(Path.of("src/test/resources", name));
  }

  @Test
  void prdYamlParsesAsItStandsWithTheProcessingTimeWarning() {
    SpecParser.ParseResult r = SpecParser.parsePath(EXAMPLES.resolve("user_activity_metrics.yaml"));
    FeatureView v = r.bundle().views().get(0);
    assertThat(v.name()).isEqualTo("user_activity_metrics");
    assertThat(v.namespace()).isEqualTo("default");
    assertThat(v.version()).isEqualTo(Version.of(3));
    assertThat(v.entities()).containsExactly("user");
    assertThat(v.ttl()).isEqualTo(Duration.ofDays(7));
    assertThat(v.slaFreshness()).isEqualTo(Duration.ofSeconds(60));
    assertThat(v.watermarkExpr()).isEqualTo("event_time");
    assertThat(v.features())
        .containsExactly(
            Feature.row("user_7d_txn_count", FeatureType.INT64),
            Feature.row("user_total_spend_usd", FeatureType.FLOAT64));
    assertThat(v.transformations()).hasSize(1);
    assertThat(v.transformations().get(0).language()).isEqualTo("flink");
    assertThat(v.transformations().get(0).code()).contains("CURRENT_TIMESTAMP - INTERVAL '7' DAY");
    assertThat(v.owner()).isEqualTo("a.patel@example.com");
    // YAML reads `pii: no` as a boolean; tags keep the text as written.
    assertThat(v.tags()).isEqualTo(Map.of("domain", "payments", "pii", "no"));
    assertThat(v.status()).isEqualTo(ViewStatus.ACTIVE);
    assertThat(v.online()).isTrue();
    assertThat(v.offline()).isTrue();
    assertThat(v.tileSize()).isEqualTo(Duration.ofMinutes(5));

    SpecProblem clock =
        r.warnings().stream()
            .filter(p -> p.path().equals("transformations[0].code"))
            .findFirst()
            .orElseThrow();
    assertThat(clock.severity()).isEqualTo(SpecProblem.Severity.WARNING);
    assertThat(clock.line()).isEqualTo(15);
    assertThat(clock.message())
        .startsWith("CURRENT_TIMESTAMP (line 6 of the code) is processing time");
    assertThat(clock.message()).contains("training").contains("serving");
    assertThat(clock.hint())
        .isEqualTo(
            "use a declarative window aggregation: {name: user_7d_txn_count, aggregation: {column: '*',"
                + " function: count, window: 7d}}");
    assertThat(r.warnings())
        .anySatisfy(
            p -> {
              assertThat(p.path()).isEqualTo("entities[0]");
              assertThat(p.message()).contains("implicit entity user with join key user_id STRING");
              assertThat(p.hint()).contains("kind: entity");
            });
  }

  @Test
  void prdRegistryCreateJsonIsTheSameModel() throws IOException {
    FeatureView json =
        SpecParser.parse(resource("specs/prd_registry_create.json"), "<request>")
            .bundle()
            .views()
            .get(0);
    FeatureView yaml =
        SpecParser.parsePath(EXAMPLES.resolve("user_activity_metrics.yaml"))
            .bundle()
            .views()
            .get(0);
    assertThat(json.tags()).isEqualTo(yaml.tags());
    assertThat(json.features()).isEqualTo(yaml.features());
    assertThat(json.withSource(null).transformations().get(0).code())
        .isEqualTo("/* flink sql / table API code */");
    assertThat(json.ttl()).isEqualTo(yaml.ttl());
    assertThat(json.version()).isEqualTo(yaml.version());
    assertThat(json.watermarkExpr()).isEqualTo("event_time");
  }

  @Test
  void jsonBodyIndentedWithTabsParses() {
    String body =
        "{\n\t\"name\": \"v\",\n\t\"entities\": [\"user\"],\n\t\"ttl\": \"1d\",\n\t\"transformations\": [{\"language\": \"sql\", \"code\": \"SELECT user_id, x AS f FROM t\"}],\n\t\"features\": [{\"name\": \"f\", \"dtype\": \"INT64\"}]\n}";
    assertThat(SpecParser.parse(body, "<request>").bundle().views().get(0).name()).isEqualTo("v");
  }

  static final String TRANSACTIONS =
      """
      kind: kafka
      name: transactions
      schema:
        - {name: txn_id, type: STRING}
        - {name: user_id, type: STRING}
        - {name: merchant_id, type: STRING}
        - {name: amount_usd, type: DOUBLE}
        - {name: currency, type: STRING}
        - {name: event_time, type: TIMESTAMP}
      event_time_field: event_time
      dedup_key: txn_id
      watermark_delay: 30s
      options: {topic: transactions, format: json}
      """;

  @Test
  void multiDocumentFileWithWindowExpansionAndInference() {
    String text =
        """
        kind: entity
        name: user
        join_keys: [{name: user_id, type: STRING}]
        ---
        """
            + TRANSACTIONS
            + """
        ---
        name: user_spend
        version: v2
        entities: [user]
        source: transactions
        ttl: 8d
        allowed_lateness: 1h
        features:
          - name: txn_count
            aggregation: {column: '*', function: count, windows: [1h, 1d, 7d]}
          - name: spend
            aggregation: {column: amount_usd, function: sum, windows: [1d, 7d]}
          - name: avg_amount_7d
            dtype: FLOAT64
            aggregation: {column: amount_usd, function: avg, window: 7d}
          - name: last_merchants
            aggregation: {column: merchant_id, function: last_n, n: 5, window: 1d}
          - name: currency
            dtype: STRING
        """;
    SpecParser.ParseResult r = SpecParser.parse(text, "spend.yaml");
    assertThat(r.warnings()).isEmpty();
    SpecBundle b = r.bundle();
    assertThat(b.entities()).extracting(Entity::name).containsExactly("user");
    assertThat(b.sources()).extracting(Source::name).containsExactly("transactions");
    FeatureView v = b.views().get(0);
    assertThat(v.source()).isEqualTo(b.sources().get(0));
    assertThat(v.features())
        .extracting(Feature::name)
        .containsExactly(
            "txn_count_1h",
            "txn_count_1d",
            "txn_count_7d",
            "spend_1d",
            "spend_7d",
            "avg_amount_7d",
            "last_merchants",
            "currency");
    assertThat(v.feature("txn_count_1d").orElseThrow().aggregation())
        .isEqualTo(new Aggregation("*", AggregationFunction.COUNT, Duration.ofDays(1), 0));
    assertThat(v.feature("txn_count_1h").orElseThrow().dtype()).isEqualTo(FeatureType.INT64);
    assertThat(v.feature("spend_7d").orElseThrow().dtype()).isEqualTo(FeatureType.FLOAT64);
    assertThat(v.feature("last_merchants").orElseThrow().dtype())
        .isEqualTo(FeatureType.arrayOf(FeatureType.Scalar.STRING));
    assertThat(v.feature("last_merchants").orElseThrow().aggregation().n()).isEqualTo(5);
    assertThat(v.feature("currency").orElseThrow().isAggregation()).isFalse();
    assertThat(v.allowedLateness()).isEqualTo(Duration.ofHours(1));
    assertThat(v.version()).isEqualTo(Version.of(2));
  }

  @Test
  void everyErrorOfAFileIsReportedInOneGo() {
    String text =
        """
        name: Bad-View
        entities: [user]
        ttl_secnds: 100
        features:
          - name: a
            dtype: FLAOT64
          - name: b
            aggregation: {column: '*', function: cnt, window: 1h}
        """;
    assertThatThrownBy(() -> SpecParser.parse(text, "bad.yaml"))
        .isInstanceOfSatisfying(
            SpecException.class,
            e -> {
              List<String> described =
                  e.problems().stream()
                      .filter(SpecProblem::isError)
                      .map(SpecProblem::describe)
                      .toList();
              assertThat(described)
                  .contains(
                      "ttl_secnds: unknown key 'ttl_secnds' in a feature view; did you mean ttl_seconds?"
                          + " Keys: "
                          + String.join(", ", new java.util.TreeSet<>(ViewReader.KEYS)),
                      "ttl_seconds: missing (required); " + ViewReader.TTL_HINT,
                      "features[0].dtype: 'FLAOT64' is not a type; did you mean FLOAT64? Types: BOOL,"
                          + " INT32, INT64, FLOAT32, FLOAT64, STRING, BYTES, TIMESTAMP, ARRAY<type>")
                  .anyMatch(s -> s.startsWith("name: 'Bad-View' is not a valid view name"))
                  .anyMatch(
                      s ->
                          s.startsWith(
                              "features[1].aggregation.function: 'cnt' is not an aggregation function; did you mean count?"));
              assertThat(e.getMessage()).contains("bad.yaml:6: error: features[0].dtype");
            });
  }

  /**
   * Problems are listed in file order — by spec file, then by line — although the rules that find
   * them run in two passes (reading each document, then validating views once every file is read).
   * Session 12 QA pass: a view's name error on line 1 was printed after the errors of line 3 and 6,
   * and a first file's view error after a second file's read error.
   */
  @Test
  void problemsAreListedInFileOrder() {
    String bad =
        """
        name: Bad-View
        entities: [user]
        ttl_secnds: 100
        features:
          - name: a
            dtype: FLAOT64
        """;
    String alsoBad =
        """
        kind: entity
        name: user
        join_keys: [{name: user_id, type: STRNG}]
        """;
    assertThatThrownBy(
            () ->
                SpecParser.parse(
                    List.of(
                        new SpecParser.SpecFile("a.yaml", bad),
                        new SpecParser.SpecFile("b.yaml", alsoBad)),
                    SpecParser.Context.EMPTY))
        .isInstanceOfSatisfying(
            SpecException.class,
            e -> {
              List<String> where =
                  e.problems().stream()
                      .filter(SpecProblem::isError)
                      .map(p -> p.file() + ":" + p.line() + " " + p.path())
                      .toList();
              assertThat(where)
                  .containsExactly(
                      "a.yaml:1 ttl_seconds", // missing: reported at the document's start
                      "a.yaml:1 name",
                      "a.yaml:1 source",
                      "a.yaml:3 ttl_secnds",
                      "a.yaml:6 features[0].dtype",
                      "b.yaml:3 join_keys[0].type",
                      "b.yaml:3 join_keys");
            });
  }

  @Test
  void referencesResolveThroughTheRegistryContextAndViewsJoinServices() {
    Source txns = SpecParser.parse(TRANSACTIONS, "t.yaml").bundle().sources().get(0);
    Entity user = Entity.implicit("default", "user");
    SpecParser.Context registry =
        new SpecParser.Context() {
          @Override
          public java.util.Optional<Entity> entity(String namespace, String name) {
            return namespace.equals("default") && name.equals("user")
                ? java.util.Optional.of(user)
                : java.util.Optional.empty();
          }

          @Override
          public java.util.Optional<Source> source(String namespace, String name) {
            return namespace.equals("default") && name.equals("transactions")
                ? java.util.Optional.of(txns)
                : java.util.Optional.empty();
          }

          @Override
          public java.util.Optional<FeatureView> view(String namespace, String name) {
            return java.util.Optional.empty();
          }
        };
    String text =
        """
        name: user_spend
        version: v2
        entities: [user]
        source: transactions
        watermark_delay: 2m
        ttl: 7d
        feature_service: fraud_model
        features:
          - name: spend
            aggregation: {column: amount_usd, function: sum, windows: [1d, 7d]}
        """;
    SpecParser.ParseResult r = SpecParser.parse(text, "<request>", registry);
    assertThat(r.warnings()).isEmpty();
    FeatureView v = r.bundle().views().get(0);
    assertThat(v.source().name()).isEqualTo("transactions");
    assertThat(v.source().watermarkDelay()).isEqualTo(Duration.ofMinutes(2));
    assertThat(r.bundle().sources()).isEmpty();
    assertThat(r.bundle().services())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.name()).isEqualTo("fraud_model");
              assertThat(s.features())
                  .containsExactly(
                      FeatureRef.parse("user_spend:v2.spend_1d"),
                      FeatureRef.parse("user_spend:v2.spend_7d"));
            });
    // Without the registry, the same text names an unknown source.
    assertThatThrownBy(() -> SpecParser.parse(text, "<request>"))
        .isInstanceOfSatisfying(
            SpecException.class, e -> assertThat(e.firstPath()).isEqualTo("source"));
  }

  @Test
  void aTypoOfARegistryEntityGetsDidYouMean() {
    // The registry holds entity 'driver'; a view applied alone names 'drivr'.
    Entity driver =
        new Entity(
            "default", "driver", List.of(new JoinKey("driver_id", FeatureType.STRING)), "", "");
    SpecParser.Context registry =
        new SpecParser.Context() {
          @Override
          public java.util.Optional<Entity> entity(String namespace, String name) {
            return name.equals("driver")
                ? java.util.Optional.of(driver)
                : java.util.Optional.empty();
          }

          @Override
          public java.util.Optional<Source> source(String namespace, String name) {
            return java.util.Optional.empty();
          }

          @Override
          public java.util.Optional<FeatureView> view(String namespace, String name) {
            return java.util.Optional.empty();
          }

          @Override
          public List<String> entityNames(String namespace) {
            return List.of("driver");
          }
        };
    String text =
        """
        name: driver_state
        entities: [drivr]
        ttl: 1h
        source:
          kind: kafka
          name: pings
          schema: {ping_id: STRING, driver_id: STRING, status: STRING, event_time: TIMESTAMP}
          event_time_field: event_time
          options: {topic: pings, format: json}
        features: [{name: status, dtype: STRING}]
        """;
    assertThatThrownBy(() -> SpecParser.parse(text, "<request>", registry))
        .isInstanceOfSatisfying(
            SpecException.class,
            e ->
                assertThat(e.problems())
                    .anySatisfy(
                        p -> {
                          assertThat(p.isError()).isTrue();
                          assertThat(p.path()).isEqualTo("entities[0]");
                          assertThat(p.hint())
                              .startsWith("did you mean driver? (declared entities: driver); or");
                        }));
  }

  @Test
  void namespacesScopeNames() {
    String text =
        TRANSACTIONS
            + """
        ---
        namespace: payments
        name: v
        entities: [user]
        source: transactions
        ttl: 1d
        features: [{name: amount_usd, dtype: FLOAT64}]
        """;
    assertThatThrownBy(() -> SpecParser.parse(text, "ns.yaml"))
        .isInstanceOfSatisfying(
            SpecException.class,
            e ->
                assertThat(e.problems())
                    .anySatisfy(
                        p -> {
                          assertThat(p.path()).isEqualTo("source");
                          assertThat(p.line()).isEqualTo(18);
                          assertThat(p.message())
                              .isEqualTo("'transactions' is not a declared source");
                        }));
  }
}
