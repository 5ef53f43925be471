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
    ok("apply", dir.resolve("base.yaml").toString());
    String count =
        "  - {name: clicks_1h, dtype: INT64, aggregation: {column: '*', function: count, window:"
            + " 1h}}\n";
    ok("apply", spec("v1.yaml", view("v1", "a@x.com", "last_page") + count).toString());
    String plan = ok("plan", "user_pages").out();
    QuiverConfig config =
        LocalDefaults.apply(
            CliEnvironment.load(null, List.of("quiver.data-dir=" + dir.resolve("data"))).config());
    FeatureView view;
    try (FeatureRegistry registry = FeatureRegistries.open(config)) {
      view = registry.getView("default", "user_pages", "latest").view();
    }
    Catalog catalog = OfflineCatalogs.open(config);
    OfflineTables.ensureTable(catalog, view, List.of(new JoinKey("user_id", FeatureType.STRING)));
    if (catalog instanceof AutoCloseable c) {
      c.close();
    }
    long t = Instant.now().minus(Duration.ofMinutes(30)).toEpochMilli();
    String events =
        "SET 'table.dml-sync' = 'true';\n"
            + "CREATE TEMPORARY VIEW `events` AS SELECT user_id, page, dwell_ms,"
            + " TO_TIMESTAMP_LTZ(ms, 3) AS event_time, TO_TIMESTAMP_LTZ(ms, 3) AS _event_time,"
            + " ms AS _event_ms, seq AS _seq, 0 AS _partition,"
            + " TO_TIMESTAMP_LTZ(ms, 3) AS _ingested_at, PROCTIME() AS _proc FROM (VALUES"
            + String.format(
                " ('u1', '/a', CAST(5 AS BIGINT), CAST(%d AS BIGINT), CAST(0 AS BIGINT)),", t)
            + String.format(
                " ('u1', '/b', CAST(7 AS BIGINT), CAST(%d AS BIGINT), CAST(1 AS BIGINT))", t + 1000)
            + ") AS t(user_id, page, dwell_ms, ms, seq);\n";
    Path script =
        spec(
            "plan.sql",
            events
                + plan
                + "SELECT user_id, last_page FROM quiver_offline.`default`.user_pages_v1;\n");
    Run r = run("sql", "-f", script.toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("/a").contains("/b");
    try (OnlineStore store = OnlineStores.open(config)) {
      Map<String, FeatureValue> u1 =
          new FeatureReader(store, Clock.systemUTC())
              .read(
                  view,
                  List.of("last_page", "clicks_1h"),
                  List.of(
                      EntityKeyCodec.encode(
                          List.of(new JoinKey("user_id", FeatureType.STRING)), List.of("u1"))),
                  t + 60_000)
              .get()
              .get(0)
              .features();
      assertThat(u1.get("last_page").value()).isEqualTo("/b");
      assertThat(u1.get("clicks_1h").value()).isEqualTo(2L);
    }
  }
}
