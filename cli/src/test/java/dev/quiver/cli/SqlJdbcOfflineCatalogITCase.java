package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistries;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.testing.CatalogPostgres;
import dev.quiver.offline.OfflineCatalogs;
import dev.quiver.offline.OfflineTables;
import dev.quiver.offline.OfflineWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;

/**
 * {@code quiver sql} on a JDBC offline catalog whose password is given with {@code --set} (no
 * configuration file): its init script, run here in a table environment as the SQL client runs it,
 * gives the password to both the offline Iceberg catalog and the Quiver catalog's {@code
 * view$offline} tables, on a PostgreSQL that asks for it. The Quiver catalog's statement held no
 * password, so {@code view$offline} was refused the login while {@code quiver_offline} read; it now
 * names a secrets file, as {@code DESCRIBE CATALOG EXTENDED} prints a catalog's options.
 */
class SqlJdbcOfflineCatalogITCase extends CliTestSupport {

  @Test
  void aPasswordGivenWithSetReachesTheViewOfflineTables() throws Exception {
    try (CatalogPostgres postgres = CatalogPostgres.start()) {
      List<String> settings =
          List.of(
              "quiver.data-dir=" + dir.resolve("data"),
              "offline.catalog-type=jdbc",
              "offline.warehouse=" + dir.resolve("warehouse"),
              "offline.properties.uri=" + postgres.uri(),
              "offline.properties.jdbc.user=" + CatalogPostgres.USER,
              "offline.properties.jdbc.password=" + CatalogPostgres.PASSWORD);
      List<String> args = new ArrayList<>();
      settings.forEach(s -> args.addAll(List.of("--set", s)));
      args.addAll(List.of("apply", spec("base.yaml", ENTITY_AND_SOURCE).toString()));
      ok(args.toArray(String[]::new));
      args.set(args.size() - 1, spec("v1.yaml", view("v1", "a@x.com", "last_page")).toString());
      ok(args.toArray(String[]::new));

      CliEnvironment env = CliEnvironment.load(null, settings);
      QuiverConfig config = env.config();
      FeatureView view;
      try (FeatureRegistry registry = FeatureRegistries.open(config)) {
        view = registry.getView("default", "user_pages", "latest").view();
      }
      OfflineWriter writer =
          new OfflineWriter(
              OfflineTables.ensureTable(
                  OfflineCatalogs.open(config),
                  view,
                  List.of(new JoinKey("user_id", FeatureType.STRING))));
      long t = 1_700_000_000_000L;
      writer.add(
          writer.record(
              Map.of(
                  "user_id",
                  "u1",
                  "last_page",
                  "p1",
                  OfflineTables.EVENT_TIME,
                  t,
                  OfflineTables.SEQ,
                  1L,
                  OfflineTables.INGESTED_AT,
                  t)));
      writer.commit(Map.of());

      SqlCommand sql = new SqlCommand();
      sql.catalogName = "quiver";
      TableEnvironment tables = TableEnvironment.create(EnvironmentSettings.inBatchMode());
      for (String statement : sql.initScript(env, dir.resolve("secrets.properties")).split(";\n")) {
        if (!statement.isBlank()) {
          tables.executeSql(statement);
        }
      }
      assertThat(rows(tables, "SELECT user_id, last_page FROM `user_pages$offline`").toString())
          .isEqualTo("[+I[u1, p1]]");
      assertThat(
              rows(tables, "SELECT user_id FROM quiver_offline.`default`.user_pages_v1").toString())
          .isEqualTo("[+I[u1]]");
      // and the password is not shown by what describes the two catalogs and the table
      for (String show :
          List.of(
              "SHOW CREATE TABLE `user_pages$offline`",
              "DESCRIBE CATALOG EXTENDED quiver",
              "DESCRIBE CATALOG EXTENDED quiver_offline")) {
        assertThat(rows(tables, show).toString()).as(show).doesNotContain(CatalogPostgres.PASSWORD);
      }
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
