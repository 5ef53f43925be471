package dev.quiver.jobs.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SqlTransformationTest {
  @Test
  void acceptsOneSelectWithProjectionsAndAFilter() {
    SqlTransformation t =
        SqlTransformation.parse(
            """
            -- row features of the transactions
            CREATE VIEW user_txn AS
            SELECT user_id AS entity_key,
                   CAST(amount * 100 AS BIGINT) AS amount_cents, /* a comment, with a comma */
                   merchant,
                   t.country AS `Country`,
                   CASE WHEN amount > 10 THEN 'big' ELSE 'small; -- not a comment' END AS size
            FROM transactions AS t
            WHERE amount >= 100 AND channel <> 'web, app';
            """,
            0,
            "transactions");
    assertThat(t.outputs().keySet())
        .containsExactly("entity_key", "amount_cents", "merchant", "country", "size");
    assertThat(t.output("amount_cents")).isEqualTo("CAST(amount * 100 AS BIGINT)");
    assertThat(t.output("Country")).isEqualTo("t.country");
    assertThat(t.output("size")).contains("'small; -- not a comment'");
    assertThat(t.where()).isEqualTo("amount >= 100 AND channel <> 'web, app'");
    assertThat(t.alias()).isEqualTo("t");
    assertThat(t.star()).isFalse();

    SqlTransformation star =
        SqlTransformation.parse("select *, 1 as one from `transactions`", 0, "transactions");
    assertThat(star.star()).isTrue();
    assertThat(star.alias()).isEqualTo("transactions");
    assertThat(star.where()).isNull();
  }

  @Test
  void acceptsThePrdsTumblingWindowAggregation() throws Exception {
    String prd = Files.readString(Path.of("../examples/user_activity_metrics.yaml"));
    String code = prd.substring(prd.indexOf("-- Flink SQL"), prd.indexOf("owner:"));
    SqlTransformation t = SqlTransformation.parse(code, 0, "transactions");
    assertThat(t.windowed()).isTrue();
    assertThat(t.window()).isEqualTo("INTERVAL '1' DAY");
    assertThat(t.groupBy()).containsExactly("user_id", "TUMBLE(event_time, INTERVAL '1' DAY)");
    assertThat(t.output("entity_key")).isEqualTo("user_id");
    assertThat(t.output("user_total_spend_usd")).isEqualTo("SUM(amount_usd)");
    assertThat(t.output("user_7d_txn_count")).startsWith("COUNT(*) FILTER (WHERE");
    assertThat(
            SqlTransformation.onRowtime(
                "TUMBLE_END(event_time, INTERVAL '1' DAY)", "event_time", "`e`.`_event_time`", 0))
        .isEqualTo("TUMBLE_END(`e`.`_event_time`, INTERVAL '1' DAY)");
    assertThatThrownBy(
            () ->
                SqlTransformation.onRowtime(
                    "TUMBLE(_ingested, INTERVAL '1' DAY)", "event_time", "`_event_time`", 0))
        .hasMessageContaining("TUMBLE(_ingested, ...) is not over the event time");
  }

  @Test
  void refusesWhatTheJobDoesNotRunNamingTheFieldAndTheFix() {
    refused(
        "SELECT user_id, COUNT(*) AS n FROM transactions GROUP BY user_id",
        "GROUP BY without a TUMBLE(...) window never closes a group");
    refused(
        "SELECT user_id, COUNT(*) AS n FROM transactions"
            + " GROUP BY user_id, HOP(ts, INTERVAL '1' HOUR, INTERVAL '1' DAY)",
        "the window 'HOP(ts, INTERVAL '1' HOUR, INTERVAL '1' DAY)' is not supported");
    refused(
        "SELECT user_id, COUNT(*) AS n FROM transactions"
            + " GROUP BY user_id, TUMBLE(ts, INTERVAL '1' DAY) HAVING COUNT(*) > 1",
        "HAVING");
    refused(
        "SELECT * FROM transactions GROUP BY user_id, TUMBLE(ts, INTERVAL '1' DAY)",
        "SELECT * with GROUP BY");
    refused("SELECT COUNT(*) AS n FROM transactions", "COUNT(...) is an aggregate");
    refused(
        "SELECT user_id, SUM(amount) OVER (PARTITION BY user_id ORDER BY ts) AS s FROM transactions",
        "OVER");
    refused("SELECT a.user_id FROM transactions a JOIN users u ON a.user_id = u.id", "a join");
    refused("SELECT user_id FROM transactions, users", "reads several tables");
    refused("SELECT user_id FROM (SELECT * FROM transactions)", "subquery");
    refused("SELECT user_id FROM transactions UNION ALL SELECT user_id FROM t2", "UNION");
    refused("SELECT DISTINCT user_id FROM transactions", "DISTINCT");
    refused("SELECT user_id FROM transactions ORDER BY ts LIMIT 3", "ORDER BY");
    refused("SELECT user_id FROM clicks", "reads 'clicks', not the view's source 'transactions'");
    refused("SELECT amount * 2 FROM transactions", "the select item 'amount * 2' has no name");
    refused("SELECT a AS x, b AS x FROM transactions", "two select items are named 'x'");
    refused("SELECT a FROM transactions; SELECT b FROM transactions", "holds 2 statements");
    refused("INSERT INTO sink SELECT a FROM transactions", "expected one SELECT statement");
    refused(
        "SELECT TUMBLE_END(ts, INTERVAL '1' DAY) AS e FROM transactions",
        "TUMBLE_END(...) is a group window");
  }

  private static void refused(String sql, String message) {
    assertThatThrownBy(() -> SqlTransformation.parse(sql, 0, "transactions"))
        .hasMessageStartingWith("transformations[0].code: ")
        .hasMessageContaining(message)
        .hasMessageContaining("(expected: ");
  }
}
