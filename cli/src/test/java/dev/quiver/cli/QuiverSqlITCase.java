package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.codec.EntityKeyCodec;
import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistries;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.offline.OfflineCatalogs;
import dev.quiver.offline.OfflineTables;
import dev.quiver.online.FeatureReader;
import dev.quiver.online.FeatureValue;
import dev.quiver.online.OnlineStore;
import dev.quiver.online.OnlineStores;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.catalog.Catalog;
import org.junit.jupiter.api.Test;

/**
 * {@code quiver sql -f}: Flink's own SQL client in embedded mode (a child JVM, because it reads
 * FLINK_CONF_DIR from the environment) against a registry that {@code quiver apply} filled.
 */
class QuiverSqlITCase extends CliTestSupport {
  @Test
  void sqlRunsAScriptAgainstTheRegistry() throws IOException {
    run("apply", dir.resolve("base.yaml").toString());
    assertThat(run("apply", spec("v1.yaml", view("v1", "a@x.com", "last_page")).toString()).code())
        .isZero();
    Path script =
        spec(
            "script.sql",
            """
            SHOW DATABASES;
            SHOW TABLES;
            DESCRIBE user_pages;
            SHOW CREATE TABLE `user_pages$v1`;
            """);
    Run r = run("sql", "-f", script.toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .contains("default")
        .contains("user_pages$v1.0")
        .contains("last_page")
        .contains("PRI(user_id)")
        .contains("'quiver.owner' = 'a@x.com'")
        .contains("'quiver.ttl' = '1d'");
    Path failing = spec("failing.sql", "DESCRIBE no_such_table;\n");
    Run f = run("sql", "-f", failing.toString());
    assertThat(f.code()).isEqualTo(ExitCode.INVALID);
  }

  /**
   * What {@code quiver plan} prints runs as is in {@code quiver sql} (batch mode) once {@code
   * events} is defined and the offline table exists (as quiver materialize or backfill leave it):
   * rows and tiles reach the online store, events the Iceberg table. Before, its {@code CREATE
   * CATALOG `quiver_offline`} failed there: the client's init script registers that catalog.
   */
  @Test
  void thePrintedPlanRunsAsIsInTheSqlClient() throws Exception {
    String count =
        "  - {name: clicks_1h, dtype: INT64, aggregation: {column: '*', function: count, window:"
            + " 1h}}\n";
    long t = Instant.now().minus(Duration.ofMinutes(30)).toEpochMilli();
    Map<String, FeatureValue> u1 =
        runPlan(
            view("v1", "a@x.com", "last_page") + count,
            "user_pages",
            List.of(t, t + 1000),
            List.of("last_page", "clicks_1h"),
            t + 60_000);
    assertThat(u1.get("last_page").value()).isEqualTo("/p1");
    assertThat(u1.get("clicks_1h").value()).isEqualTo(2L);
  }

  /**
   * A tumbling-window transformation's plan runs as is too, with {@code _event_time} a TIMESTAMP(3)
   * as its header now says: batch group windows take a TIMESTAMP (the backfill casts it so). The
   * header printed TIMESTAMP_LTZ(3), with which the text failed in batch mode: "Unsupported
   * reinterpret cast from 'TIMESTAMP_LTZ(3)' to 'BIGINT'".
   */
  @Test
  void aTumblingWindowPlanRunsAsIsInTheSqlClient() throws Exception {
    String days =
        """
        name: user_days
        version: v1
        entities: [user]
        source: clicks
        ttl: 30d
        owner: a@x.com
        features:
          - {name: clicks_per_day, dtype: INT64}
        transformations:
          - language: flink
            code: |
              SELECT user_id, COUNT(*) AS clicks_per_day FROM clicks
              GROUP BY user_id, TUMBLE(event_time, INTERVAL '1' DAY)
        """;
    long day = Duration.ofDays(1).toMillis();
    long d = Instant.now().toEpochMilli() / day * day - 2 * day; // two days ago, 00:00 UTC
    long h = Duration.ofHours(1).toMillis();
    Map<String, FeatureValue> afterFirstDay =
        runPlan(
            days,
            "user_days",
            List.of(d + 10 * h, d + 11 * h, d + day + 10 * h),
            List.of("clicks_per_day"),
            d + day);
    assertThat(afterFirstDay.get("clicks_per_day").value()).isEqualTo(2L);
  }

  /**
   * Applies {@code viewYaml}, prints its plan, creates its offline table (as quiver materialize
   * does before it submits the job), runs {@code events} (user u1's clicks at {@code times}, the
   * i-th on page /p{i}, with the columns the plan's header declares) + the plan + a query of the
   * offline table in quiver sql, and reads {@code features} of u1 online as of {@code asOf}.
   */
  private Map<String, FeatureValue> runPlan(
      String viewYaml, String name, List<Long> times, List<String> features, long asOf)
      throws Exception {
    ok("apply", dir.resolve("base.yaml").toString());
    ok("apply", spec(name + ".yaml", viewYaml).toString());
    String plan = ok("plan", name).out();
    // the events as the plan's header declares them
    Matcher declared = Pattern.compile("`_event_time` (\\S+) NOT NULL").matcher(plan);
    assertThat(declared.find()).as(plan).isTrue();
    String eventTime = "CAST(TO_TIMESTAMP_LTZ(ms, 3) AS " + declared.group(1) + ")";
    QuiverConfig config =
        LocalDefaults.apply(
            CliEnvironment.load(null, List.of("quiver.data-dir=" + dir.resolve("data"))).config());
    List<JoinKey> keys = List.of(new JoinKey("user_id", FeatureType.STRING));
    FeatureView view;
    try (FeatureRegistry registry = FeatureRegistries.open(config)) {
      view = registry.getView("default", name, "latest").view();
    }
    Catalog catalog = OfflineCatalogs.open(config);
    OfflineTables.ensureTable(catalog, view, keys);
    if (catalog instanceof AutoCloseable c) {
      c.close();
    }
    StringBuilder values = new StringBuilder();
    for (int i = 0; i < times.size(); i++) {
      values.append(
          String.format(
              "%s ('u1', '/p%d', CAST(5 AS BIGINT), CAST(%d AS BIGINT), CAST(%d AS BIGINT))",
              i == 0 ? "" : ",", i, times.get(i), i));
    }
    String events =
        "SET 'table.dml-sync' = 'true';\n"
            + "CREATE TEMPORARY VIEW `events` AS SELECT user_id, page, dwell_ms,"
            + " TO_TIMESTAMP_LTZ(ms, 3) AS event_time, "
            + eventTime
            + " AS _event_time, ms AS _event_ms, seq AS _seq, 0 AS _partition,"
            + " TO_TIMESTAMP_LTZ(ms, 3) AS _ingested_at, PROCTIME() AS _proc FROM (VALUES"
            + values
            + ") AS t(user_id, page, dwell_ms, ms, seq);\n";
    String query =
        "SELECT COUNT(*) AS offline_rows FROM quiver_offline.`default`." + name + "_v1;\n";
    Run r = run("sql", "-f", spec("plan.sql", events + plan + query).toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("offline_rows");
    try (OnlineStore store = OnlineStores.open(config)) {
      return new FeatureReader(store, Clock.systemUTC())
          .read(view, features, List.of(EntityKeyCodec.encode(keys, List.of("u1"))), asOf)
          .get()
          .get(0)
          .features();
    }
  }
}
