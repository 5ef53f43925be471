package dev.quiver.core.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The rules on model objects (as the Flink catalog's CREATE TABLE builds them), and warnings. */
class SpecValidatorTest {
  static final Entity USER =
      new Entity("default", "user", List.of(new JoinKey("user_id", FeatureType.STRING)), "", "");
  static final Function<String, Optional<Entity>> ENTITIES =
      name -> name.equals("user") ? Optional.of(USER) : Optional.empty();
  static final Source TXNS =
      new Source(
          "default",
          "transactions",
          "kafka",
          List.of(
              new SourceField("user_id", FeatureType.STRING),
              new SourceField("amount_usd", FeatureType.FLOAT64),
              new SourceField("event_time", FeatureType.TIMESTAMP)),
          "event_time",
          null,
          Duration.ofSeconds(30),
          Map.of("topic", "transactions", "format", "json"));

  static FeatureView.Builder view() {
    return FeatureView.builder("user_spend")
        .entities(List.of("user"))
        .source(TXNS)
        .ttl(Duration.ofDays(7))
        .features(
            List.of(
                new Feature(
                    "spend_1d",
                    FeatureType.FLOAT64,
                    "",
                    null,
                    new Aggregation("amount_usd", AggregationFunction.SUM, Duration.ofDays(1), 0),
                    Map.of())));
  }

  static List<SpecProblem> warnings(List<SpecProblem> all) {
    assertThat(all.stream().filter(SpecProblem::isError)).as(all.toString()).isEmpty();
    return all;
  }

  @Test
  void aCleanViewHasNoProblems() {
    assertThat(SpecValidator.validate(view().build(), ENTITIES)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"200ms", "5s", "-1", "1.5", "", "99999999999999"})
  void theNearCacheTagIsAWholeNumberOfMilliseconds(String tag) {
    FeatureView v = view().tags(Map.of("serving.max_staleness_ms", tag)).build();
    assertThat(SpecValidator.validate(v, ENTITIES))
        .anySatisfy(
            p -> {
              assertThat(p.isError()).isTrue();
              assertThat(p.path()).isEqualTo("tags.serving.max_staleness_ms");
              assertThat(p.message())
                  .contains("'" + tag + "' (expected: a whole number of milliseconds");
              assertThat(p.hint()).contains("serving.max_staleness_ms: \"200\"");
            });
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "200", " 5000 ", "9223372036854"})
  void aNearCacheTagInMillisecondsIsFine(String tag) {
    FeatureView v = view().tags(Map.of("serving.max_staleness_ms", tag)).build();
    assertThat(SpecValidator.validate(v, ENTITIES)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"NOW()", "PROCTIME()", "LOCALTIMESTAMP", "current_timestamp", "CURRENT_DATE"})
  void processingTimeInSqlIsAWarningWithTheDeclarativeFix(String clock) {
    String code =
        "SELECT user_id,\n  SUM(amount_usd) FILTER (WHERE event_time > "
            + clock
            + " - INTERVAL '1' HOUR) AS spend_1h\nFROM transactions GROUP BY user_id";
    FeatureView v =
        view()
            .features(List.of(Feature.row("spend_1h", FeatureType.FLOAT64)))
            .transformations(List.of(new Transformation("sql", code)))
            .build();
    List<SpecProblem> problems = warnings(SpecValidator.validate(v, ENTITIES));
    assertThat(problems).hasSize(1);
    SpecProblem p = problems.get(0);
    assertThat(p.path()).isEqualTo("transformations[0].code");
    assertThat(p.message()).contains("(line 2 of the code) is processing time");
    assertThat(p.hint())
        .isEqualTo(
            "use a declarative window aggregation: {name: spend_1h, aggregation: {column: amount_usd,"
                + " function: sum, window: 1h}}");
  }

  @Test
  void clockInACommentOrAColumnNameIsNotProcessingTime() {
    String code =
        "-- not CURRENT_TIMESTAMP here\nSELECT user_id, now_ms AS spend_1h /* NOW() */ FROM transactions";
    FeatureView v =
        view()
            .features(List.of(Feature.row("spend_1h", FeatureType.FLOAT64)))
            .transformations(List.of(new Transformation("sql", code)))
            .build();
    assertThat(SpecValidator.validate(v, ENTITIES)).isEmpty();
  }

  @Test
  void undeclaredEntityGetsTheImplicitOneWithAWarning() {
    FeatureView v = view().build();
    List<SpecProblem> problems = warnings(SpecValidator.validate(v, name -> Optional.empty()));
    assertThat(problems)
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.path()).isEqualTo("entities[0]");
              assertThat(p.message())
                  .isEqualTo(
                      "entity 'user' is not declared; using the implicit entity user with join key user_id STRING");
              assertThat(p.hint())
                  .isEqualTo(
                      "declare it to choose its keys: {kind: entity, name: user, join_keys: [{name: user_id, type: STRING}]}");
            });
  }

  @Test
  void undeclaredEntityCloseToADeclaredOneGetsDidYouMean() {
    // entities: [user] where the namespace declares 'users': a typo, not a new implicit entity.
    FeatureView v = view().build();
    List<SpecProblem> problems =
        warnings(SpecValidator.validate(v, name -> Optional.empty(), List.of("users", "merchant")));
    assertThat(problems)
        .singleElement()
        .satisfies(
            p ->
                assertThat(p.hint())
                    .startsWith(
                        "did you mean users? (declared entities: users, merchant); or declare it"));
    // A name close to none of them keeps the plain hint.
    assertThat(warnings(SpecValidator.validate(v, name -> Optional.empty(), List.of("merchant"))))
        .singleElement()
        .satisfies(p -> assertThat(p.hint()).startsWith("declare it to choose its keys"));
  }

  @Test
  void sqlFeaturesMissingFromTheOutputAndUnusedOutputsAreWarnings() {
    FeatureView v =
        view()
            .features(List.of(Feature.row("spend_total", FeatureType.FLOAT64)))
            .transformations(
                List.of(
                    new Transformation(
                        "flink",
                        "SELECT user_id, SUM(amount_usd) AS total FROM transactions GROUP BY user_id")))
            .build();
    List<SpecProblem> problems = warnings(SpecValidator.validate(v, ENTITIES));
    assertThat(problems)
        .extracting(SpecProblem::path)
        .containsExactly("features[0].name", "transformations[0]");
    assertThat(problems.get(0).describe())
        .isEqualTo(
            "features[0].name: 'spend_total' is not an output column of transformations[0]; add '... AS spend_total' to its SELECT, or give the feature an expr");
    assertThat(problems.get(1).message())
        .isEqualTo("no declared feature reads its output columns (total)");
  }

  /**
   * The type of a CAST and a table alias are not outputs: {@code CAST(cancelled AS INT) AS
   * cancelled_int} warned "no declared feature reads its output columns (int, cancelled_int)" with
   * the fix "{name: int, ...}" (own-use-case pass).
   */
  @Test
  void castTypesAndTableAliasesAreNotOutputColumns() {
    assertThat(
            TransformationLint.outputAliases(
                "SELECT CAST(c AS INT) AS c_int, TRY_CAST(x AS DECIMAL(10, 2)) AS x2,"
                    + " CAST(t AS TIMESTAMP(3)) AS t3, CAST(a AS ARRAY<INT>) AS a2, y as y2"
                    + " FROM trips AS t"))
        .containsExactly("c_int", "x2", "t3", "a2", "y2");
    FeatureView v =
        view()
            .features(List.of(Feature.row("spend_total", FeatureType.FLOAT64)))
            .transformations(
                List.of(
                    new Transformation(
                        "flink",
                        "SELECT user_id, event_time, CAST(amount_usd AS INT) AS total FROM transactions AS t")))
            .build();
    assertThat(warnings(SpecValidator.validate(v, ENTITIES)))
        .filteredOn(p -> p.path().equals("transformations[0]"))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.message())
                  .isEqualTo("no declared feature reads its output columns (total)");
              assertThat(p.hint()).contains("{name: total, dtype: FLOAT64}");
            });
  }

  @Test
  void freshnessShorterThanTheWatermarkAndLatenessBeyondTtlAreWarnings() {
    FeatureView v =
        view().slaFreshness(Duration.ofSeconds(10)).allowedLateness(Duration.ofDays(8)).build();
    List<SpecProblem> problems = warnings(SpecValidator.validate(v, ENTITIES));
    assertThat(problems)
        .extracting(SpecProblem::path)
        .containsExactly("sla_freshness_seconds", "allowed_lateness");
    assertThat(problems.get(0).message())
        .isEqualTo(
            "the freshness SLA 10s is shorter than the watermark delay 30s, so window aggregations can never meet it");
  }

  @Test
  void modelPathsOnAViewBuiltElsewhere() {
    FeatureView v =
        view()
            .tileSize(Duration.ofMinutes(5))
            .features(
                List.of(
                    Feature.row("amount_usd", FeatureType.FLOAT64),
                    new Feature(
                        "c",
                        FeatureType.INT64,
                        "",
                        null,
                        new Aggregation("*", AggregationFunction.COUNT, Duration.ofMinutes(7), 0),
                        Map.of())))
            .build();
    assertThat(SpecValidator.validate(v, ENTITIES))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.path()).isEqualTo("features[1].aggregation.window");
              assertThat(p.line()).isZero();
              assertThat(p.describe())
                  .isEqualTo(
                      "features[1].aggregation.window: 7m is not a whole multiple of tile_size 5m; use a multiple of 5m (e.g. 5m or 10m), or a tile_size that divides it");
            });
  }

  @Test
  void inlineSourceProblemsArePrefixed() {
    Source noTopic =
        new Source(
            "default",
            "transactions",
            "kafka",
            TXNS.schema(),
            "event_time",
            null,
            null,
            Map.of("format", "json"));
    assertThat(SpecValidator.validate(view().source(noTopic).build(), ENTITIES))
        .extracting(SpecProblem::path)
        .containsExactly("source.options.topic");
  }

  /**
   * A Kafka source's startup_mode is where its job starts reading; a value the job cannot honour is
   * an error at apply (before: any value was accepted, and the job ignored the option).
   */
  @Test
  void aStartupModeIsEarliestOrLatest() {
    java.util.function.Function<String, List<SpecProblem>> withMode =
        mode ->
            SpecValidator.validate(
                new Source(
                    "default",
                    "transactions",
                    "kafka",
                    TXNS.schema(),
                    "event_time",
                    null,
                    null,
                    Map.of("topic", "t", "format", "json", "startup_mode", mode)));
    assertThat(withMode.apply("latest")).isEmpty();
    assertThat(withMode.apply("EARLIEST")).isEmpty();
    assertThat(withMode.apply("latest-offset")).isEmpty();
    assertThat(withMode.apply("lastest"))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.path()).isEqualTo("options.startup_mode");
              assertThat(p.message()).isEqualTo("'lastest' is not a starting position");
              assertThat(p.hint()).startsWith("did you mean latest? Use earliest");
            });
  }

  /**
   * A dead-letter topic that is the source's own topic would feed every rejected record back to the
   * job, which rejects it again and writes it again, without end (session 20 QA pass: accepted).
   */
  @Test
  void theDeadLetterTopicIsNotTheSourceTopic() {
    java.util.function.Function<String, List<SpecProblem>> withDlq =
        dlq ->
            SpecValidator.validate(
                new Source(
                    "default",
                    "transactions",
                    "kafka",
                    TXNS.schema(),
                    "event_time",
                    null,
                    null,
                    Map.of("topic", "txns", "format", "json", "dead_letter_topic", dlq)));
    assertThat(withDlq.apply("txns-rejected")).isEmpty();
    assertThat(withDlq.apply("txns"))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.path()).isEqualTo("options.dead_letter_topic");
              assertThat(p.message())
                  .isEqualTo(
                      "'txns' is the source's own topic: every dead letter would be read again,"
                          + " rejected again and written again, without end");
              assertThat(p.hint())
                  .isEqualTo(
                      "name another topic, e.g. dead_letter_topic: txns.dlq, or remove the option"
                          + " (the default is the topic plus jobs.dlq.topic-suffix, .dlq)");
            });
  }

  /**
   * A topic name the broker refuses (a space, a slash, over 249 characters) was accepted: the
   * source never read, or the job failed at its first dead letter on every restart (session 20 QA
   * pass). DeadLetterTopicTest holds the rule to Kafka's own.
   */
  @Test
  void topicNamesAreLegalKafkaTopicNames() {
    java.util.function.BiFunction<String, String, List<SpecProblem>> with =
        (topic, dlq) -> {
          Map<String, String> options = new java.util.HashMap<>();
          options.put("topic", topic);
          options.put("format", "json");
          if (dlq != null) {
            options.put("dead_letter_topic", dlq);
          }
          return SpecValidator.validate(
              new Source(
                  "default",
                  "transactions",
                  "kafka",
                  TXNS.schema(),
                  "event_time",
                  null,
                  null,
                  options));
        };
    assertThat(with.apply("txns.v2_EU-1", "txns.v2_EU-1.dlq")).isEmpty();
    assertThat(with.apply("txns", "my dlq"))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.path()).isEqualTo("options.dead_letter_topic");
              assertThat(p.message()).isEqualTo("'my dlq' is not a legal Kafka topic name");
              assertThat(p.hint())
                  .isEqualTo(
                      "use at most 249 letters, digits, '.', '_' and '-' (not '.' or '..' alone),"
                          + " e.g. my_dlq");
            });
    assertThat(with.apply("payments/txns", null))
        .extracting(SpecProblem::path)
        .containsExactly("options.topic");
    assertThat(with.apply("t".repeat(250), null))
        .extracting(SpecProblem::path)
        .containsExactly("options.topic");
    assertThat(with.apply("..", null))
        .extracting(SpecProblem::path)
        .containsExactly("options.topic");
  }

  @Test
  void aViewWhoseSqlReadsAnUndeclaredSourceWarns() {
    String text =
        """
        name: v
        entities: [user]
        ttl: 1d
        features: [{name: total, dtype: FLOAT64}]
        transformations:
          - language: sql
            code: SELECT user_id, SUM(amount_usd) AS total FROM payments GROUP BY user_id
        """;
    SpecParser.ParseResult r = SpecParser.parse(text, "v.yaml");
    assertThat(r.bundle().views().get(0).source()).isNull();
    assertThat(r.warnings())
        .anySatisfy(
            p -> {
              assertThat(p.path()).isEqualTo("source");
              assertThat(p.line()).isEqualTo(1);
              assertThat(p.message())
                  .isEqualTo(
                      "no source declared; the transformation reads payments, not declared here");
            });
  }
}
