package dev.quiver.jobs.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.AggregationFunction;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.testing.Transactions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobPlannerTest {
  private final PlannerSettings settings =
      new PlannerSettings(
          true,
          true,
          Map.of("store.online.type", "embedded"),
          "quiver_offline",
          Map.of("type", "iceberg", "catalog-type", "hadoop", "warehouse", "file:/tmp/w"));

  @Test
  void plansProjectionTilesAndSinksAsOneStatementSet() {
    FeatureView view = Transactions.view("transactions", true, true);
    MaterializationPlan plan = new JobPlanner(settings).plan(view, Transactions.keys());
    String sql = plan.sqlText();
    assertThat(plan.inserts()).hasSize(3);
    assertThat(sql)
        .contains("CAST(TRY_CAST(amount * 100 AS BIGINT) AS BIGINT) AS `amount_x100`")
        .contains("CAST(`amount` AS DOUBLE) AS `_in_amount`")
        .contains("'connector' = 'quiver-online'")
        .contains("'kind' = 'tiles'")
        .contains("PRIMARY KEY (`user_id`, `_tile_res`, `_tile_start`) NOT ENFORCED")
        // 1-minute tiles with 1h and 1d rollups
        .contains("CAST(60000 AS BIGINT) AS `_tile_res`, `_event_ms` - MOD(`_event_ms`, 60000)")
        .contains("CAST(3600000 AS BIGINT) AS `_tile_res`")
        .contains("CAST(86400000 AS BIGINT) AS `_tile_res`")
        .doesNotContain("UNNEST")
        .contains("QUIVER_TILES('count|*|0|INT64;")
        .contains(";last_n|merchant|3|ARRAY<STRING>")
        .contains("', `_event_ms`, `_seq`, 1, ")
        .contains("CAST(`_in_merchant` AS STRING)")
        .contains(") AS `_tiles`")
        // the union branches carry only what the tiles need (no row features)
        .contains("  SELECT `user_id`, `_event_ms`, `_seq`, `_in_amount`, `_in_merchant`, CAST(")
        .contains("GROUP BY `user_id`, `_tile_res`, `_tile_start`")
        .contains("INSERT INTO `quiver_offline`.`default`.`user_txn_v1`")
        .contains("EXECUTE STATEMENT SET");
    // windows of one series share tiles: one count(*) column for 5m, 1h and 7d
    assertThat(sql.split("count\\|\\*\\|0", -1)).hasSize(2);
  }

  @Test
  void theHeaderSaysWhetherAStreamingJobRunsTheSql() {
    FeatureView view = Transactions.view("transactions", true, true);
    assertThat(new JobPlanner(settings).plan(view, Transactions.keys()).sqlText())
        .contains("Streaming: Kafka -> EventGate");
    FeatureView table = view.withSource(view.source().withKind("iceberg"));
    String sql = new JobPlanner(settings).plan(table, Transactions.keys()).sqlText();
    assertThat(sql)
        .doesNotContain("Streaming: Kafka")
        .contains(
            "The source 'transactions' (kind iceberg) is a table, not a stream:\n-- no streaming job;"
                + " quiver backfill user_txn --from A --to B runs this SQL over its history.")
        .contains("EXECUTE STATEMENT SET");
  }

  @Test
  void offlineOnlyViewHasNoOnlineSinks() {
    FeatureView view = Transactions.view("transactions", false, true);
    MaterializationPlan plan = new JobPlanner(settings).plan(view, Transactions.keys());
    assertThat(plan.inserts()).hasSize(1);
    assertThat(plan.sqlText()).doesNotContain("quiver-online");
  }

  @Test
  void rejectsAnAggregationOverAnUnknownColumn() {
    FeatureView base = Transactions.view("transactions", true, true);
    FeatureView bad =
        FeatureView.builder("v")
            .entities(List.of("user"))
            .source(base.source())
            .features(
                List.of(
                    new Feature(
                        "x_sum_1h",
                        FeatureType.FLOAT64,
                        "",
                        null,
                        new Aggregation("amout", AggregationFunction.SUM, Duration.ofHours(1), 0),
                        Map.of())))
            .build();
    assertThatThrownBy(() -> new JobPlanner(settings).plan(bad, Transactions.keys()))
        .hasMessageContaining("features.x_sum_1h.column: 'amout' is not a column of source")
        .hasMessageContaining("amount");
  }

  @Test
  void aSqlTransformationBecomesTheProjectionOverTheEvents() {
    FeatureView json = Transactions.view("transactions", true, true);
    FeatureView view =
        FeatureView.builder("user_sql")
            .entities(List.of("user"))
            .source(json.source())
            .features(
                List.of(
                    new Feature("big_merchant", FeatureType.STRING, "", null, null, Map.of()),
                    new Feature("amount", FeatureType.FLOAT64, "", null, null, Map.of()),
                    new Feature(
                        "per_merchant",
                        FeatureType.INT64,
                        "",
                        "CAST(amount AS BIGINT) / `n/merchants` + 1",
                        null,
                        Map.of()),
                    new Feature(
                        "txn_count_1h",
                        FeatureType.INT64,
                        "",
                        null,
                        new Aggregation("*", AggregationFunction.COUNT, Duration.ofHours(1), 0),
                        Map.of())))
            .transformations(
                List.of(
                    new dev.quiver.core.spec.Transformation(
                        "sql",
                        "CREATE VIEW v AS SELECT user_id AS entity_key, UPPER(merchant) AS"
                            + " big_merchant, * FROM transactions t WHERE amount >= 100")))
            .ttl(Duration.ofDays(30))
            .tileSize(Duration.ofMinutes(1))
            .build();
    String sql = new JobPlanner(settings).plan(view, Transactions.keys()).sqlText();
    assertThat(sql)
        .contains("CAST(user_id AS STRING) AS `user_id`")
        .contains("`t`.`_event_time`")
        .contains("CAST(UPPER(merchant) AS STRING) AS `big_merchant`")
        .contains("CAST(`amount` AS DOUBLE) AS `amount`")
        .contains(
            "CAST(TRY_CAST(amount AS BIGINT) / NULLIF(`n/merchants`, 0) + 1 AS BIGINT) AS"
                + " `per_merchant`")
        .contains("FROM `events` AS `t`\nWHERE amount >= 100")
        .contains("QUIVER_TILES('count|*|0|INT64");
  }

  @Test
  void aTumblingWindowTransformationGroupsTheEventsOnTheirEventTime() {
    FeatureView json = Transactions.view("transactions", true, true);
    FeatureView view =
        FeatureView.builder("user_activity_metrics")
            .entities(List.of("user"))
            .source(json.source())
            .features(
                List.of(new Feature("user_7d_txn_count", FeatureType.INT64, "", null, null, null)))
            .transformations(
                List.of(
                    new dev.quiver.core.spec.Transformation(
                        "flink",
                        "SELECT user_id as entity_key, COUNT(*) as user_7d_txn_count FROM"
                            + " transactions GROUP BY user_id, TUMBLE(ts, INTERVAL '1' DAY)")))
            .ttl(Duration.ofDays(7))
            .build();
    assertThat(JobPlanner.needsRowtime(view)).isTrue();
    assertThat(JobPlanner.needsRowtime(json)).isFalse();
    String sql = new JobPlanner(settings).plan(view, Transactions.keys()).sqlText();
    assertThat(sql)
        .contains("CAST(COUNT(*) AS BIGINT) AS `user_7d_txn_count`")
        .contains(
            "(MAX(`transactions`.`_event_ms`) - MOD(MAX(`transactions`.`_event_ms`), 86400000)"
                + " + 86400000) AS `_event_ms`")
        .contains("GROUP BY user_id, TUMBLE(`transactions`.`_event_time`, INTERVAL '1' DAY)");

    FeatureView mixed =
        FeatureView.builder("mixed")
            .entities(List.of("user"))
            .source(json.source())
            .features(
                List.of(
                    new Feature("user_7d_txn_count", FeatureType.INT64, "", null, null, null),
                    json.features().stream().filter(Feature::isAggregation).findFirst().get()))
            .transformations(view.transformations())
            .ttl(Duration.ofDays(7))
            .build();
    assertThatThrownBy(() -> new JobPlanner(settings).plan(mixed, Transactions.keys()))
        .hasMessageContaining(".aggregation: not allowed with a GROUP BY transformation");
    FeatureView noOutput =
        FeatureView.builder("user_sql")
            .entities(List.of("user"))
            .source(json.source())
            .features(List.of(new Feature("spend", FeatureType.FLOAT64, "", null, null, null)))
            .transformations(
                List.of(
                    new dev.quiver.core.spec.Transformation(
                        "sql", "SELECT user_id, amount AS amount_usd FROM transactions")))
            .ttl(Duration.ofDays(7))
            .build();
    assertThatThrownBy(() -> new JobPlanner(settings).plan(noOutput, Transactions.keys()))
        .hasMessage(
            "features.spend: not an output of transformations[0].code (expected: <expression> AS"
                + " spend in its SELECT, or expr: on the feature)");
  }
}
