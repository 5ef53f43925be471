package dev.quiver.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.SpecParser;
import dev.quiver.core.spec.ViewStatus;
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
 * {@code view$offline} exists in the Quiver catalog only once the view's offline Iceberg table
 * does: before the streaming job or a backfill wrote it, Flink SQL and the catalog API say it is
 * not there, with the fix, instead of a table that then fails to read.
 */
class OfflineViewTableITCase {
  @TempDir Path dir;

  @Test
  void offlineTableExistsOnlyOnceWritten() throws Exception {
    TableEnvironment env = TableEnvironment.create(EnvironmentSettings.inBatchMode());
    env.executeSql(
        "CREATE CATALOG q WITH ('type'='quiver', 'registry.path'='"
            + dir.resolve("registry")
            + "', 'offline.warehouse'='"
            + dir.resolve("warehouse")
            + "')");
    env.useCatalog("q");
    QuiverCatalog catalog = (QuiverCatalog) env.getCatalog("q").orElseThrow();
    FeatureRegistry registry = catalog.registry();
    registry.apply(SpecParser.parse(QuiverCatalogITCase.SPECS, "specs.yaml").bundle(), "t", false);
    ObjectPath offline = new ObjectPath("ml", "user_clicks$offline");
    ObjectPath pinned = new ObjectPath("ml", "user_clicks$v1$offline");

    assertThat(catalog.tableExists(offline)).isFalse();
    assertThat(catalog.tableExists(pinned)).isFalse();
    // the catalog API and Flink SQL agree: nothing there yet, and the error names the fix
    assertThatThrownBy(() -> rows(env, "SELECT * FROM ml.`user_clicks$offline`"))
        .hasStackTraceContaining("the view has no offline table yet (ml.user_clicks_v1")
        .hasStackTraceContaining("quiver backfill ml.user_clicks:v1");
    assertThatThrownBy(() -> rows(env, "DESCRIBE ml.`user_clicks$v1$offline`"))
        .hasStackTraceContaining("the view has no offline table yet");

    FeatureView view = registry.getView("ml", "user_clicks", null).view();
    QuiverConfig offlineConfig =
        QuiverConfig.of(Map.of("offline.warehouse", dir.resolve("warehouse").toString()));
    org.apache.iceberg.Table table =
        OfflineTables.ensureTable(OfflineCatalogs.open(offlineConfig), view);
    assertThat(catalog.tableExists(offline)).isTrue();
    assertThat(catalog.tableExists(pinned)).isTrue();
    assertThat(rows(env, "SELECT * FROM ml.`user_clicks$offline`")).isEmpty();
    assertThat(catalog.tableExists(new ObjectPath("ml", "nope$offline"))).isFalse();
    // as of the table's time before its first snapshot: nothing was written yet
    assertThatThrownBy(() -> count(env, "as-of-timestamp", "1000"))
        .hasStackTraceContaining(
            "ml.user_clicks$offline: as-of-timestamp 1000 (1970-01-01T00:00:01Z) is before the"
                + " first snapshot of")
        .hasStackTraceContaining("which has none yet");

    OfflineWriter writer = new OfflineWriter(table);
    writer.add(
        writer.record(
            Map.of(
                "user_id",
                "u1",
                "last_page",
                "p1",
                OfflineTables.EVENT_TIME,
                1_700_000_000_000L,
                OfflineTables.SEQ,
                1L,
                OfflineTables.INGESTED_AT,
                1_700_000_000_000L)));
    org.apache.iceberg.Snapshot snap = writer.commit(Map.of());
    String committed = java.time.Instant.ofEpochMilli(snap.timestampMillis()).toString();
    assertThat(count(env, "snapshot-id", Long.toString(snap.snapshotId()))).isEqualTo(1);
    assertThat(count(env, "as-of-timestamp", Long.toString(snap.timestampMillis()))).isEqualTo(1);
    // an ISO-8601 time too (Iceberg's connector threw NumberFormatException)
    assertThat(count(env, "as-of-timestamp", committed)).isEqualTo(1);
    // Iceberg said "Cannot find snapshot with ID 123" / "Cannot find a snapshot older than ..."
    assertThatThrownBy(() -> count(env, "snapshot-id", "123"))
        .hasStackTraceContaining("ml.user_clicks$offline: snapshot-id 123 is not a snapshot of")
        .hasStackTraceContaining("(newest: " + snap.snapshotId() + " at " + committed + ")")
        .hasStackTraceContaining("`ml`.`user_clicks_v1$snapshots` lists them");
    assertThatThrownBy(() -> count(env, "as-of-timestamp", "2020-01-01"))
        .hasStackTraceContaining(
            "as-of-timestamp 1577836800000 (2020-01-01T00:00:00Z) is before the first snapshot")
        .hasStackTraceContaining(
            "committed at " + committed + " (snapshot " + snap.snapshotId() + ")");
    assertThatThrownBy(() -> count(env, "as-of-timestamp", "yesterday"))
        .hasStackTraceContaining(
            "as-of-timestamp 'yesterday' (expected: epoch milliseconds, or an ISO-8601 time");
    assertThatThrownBy(() -> count(env, "snapshot-id", "latest"))
        .hasStackTraceContaining("snapshot-id 'latest' (expected: a snapshot id");
  }

  /**
   * A version that {@code view$vN$offline} cannot read is named as asked ({@code 'v9'}, not the
   * table name {@code 'user_clicks$v9'}), and a RETIRED major says so, with the version to move to
   * and the Iceberg table that still holds its rows (export manifests rebuild from it), rather than
   * "no readable version".
   */
  @Test
  void unreadableVersionsSayWhy() throws Exception {
    TableEnvironment env = TableEnvironment.create(EnvironmentSettings.inBatchMode());
    env.executeSql(
        "CREATE CATALOG q WITH ('type'='quiver', 'registry.path'='"
            + dir.resolve("registry")
            + "', 'offline.warehouse'='"
            + dir.resolve("warehouse")
            + "')");
    env.useCatalog("q");
    QuiverCatalog catalog = (QuiverCatalog) env.getCatalog("q").orElseThrow();
    FeatureRegistry registry = catalog.registry();
    registry.apply(SpecParser.parse(QuiverCatalogITCase.SPECS, "specs.yaml").bundle(), "t", false);
    String v2 =
        QuiverCatalogITCase.SPECS
            .replace("version: v1", "version: v2")
            .replace("window: 1h}", "window: 2h}");
    registry.apply(SpecParser.parse(v2, "v2.yaml").bundle(), "t", false);

    assertThatThrownBy(() -> rows(env, "SELECT * FROM ml.`user_clicks$v9$offline`"))
        .hasStackTraceContaining("ml.user_clicks$v9$offline: feature view ml.user_clicks: ")
        .hasStackTraceContaining("user_clicks:v9 does not exist (versions: v1 ACTIVE, v2 ACTIVE)")
        .hasStackTraceContaining("readable: `user_clicks$v1$offline`, `user_clicks$v2$offline`")
        .satisfies(e -> assertThat(e).hasStackTraceContaining("SHOW TABLES lists the views"));

    registry.setStatus("ml", "user_clicks", "v1", ViewStatus.DEPRECATED, null, "t");
    registry.setStatus("ml", "user_clicks", "v1", ViewStatus.RETIRED, null, "t");
    assertThatThrownBy(() -> rows(env, "SELECT * FROM ml.`user_clicks$v1$offline`"))
        .hasStackTraceContaining(
            "ml.user_clicks$v1$offline: feature view ml.user_clicks: user_clicks:v1 is RETIRED;"
                + " move to user_clicks:v2")
        .hasStackTraceContaining(
            "its offline Iceberg table is kept and reads directly as"
                + " `quiver_offline`.`ml`.`user_clicks_v1`")
        .hasStackTraceContaining("readable: `user_clicks$v2$offline`");
  }

  /**
   * QA pass, session 20: a {@code tag} the table does not have was Iceberg's bare "Cannot find ref
   * nope", and two of {@code snapshot-id}, {@code as-of-timestamp} and {@code tag} together were
   * "Cannot override snapshot, already set snapshot id=...". Both name the table and the fix, as
   * the other time-travel options' errors do.
   */
  @Test
  void anUnknownTagOrTwoTimeTravelOptionsSayWhatIsWrong() throws Exception {
    TableEnvironment env = TableEnvironment.create(EnvironmentSettings.inBatchMode());
    env.executeSql(
        "CREATE CATALOG q WITH ('type'='quiver', 'registry.path'='"
            + dir.resolve("registry")
            + "', 'offline.warehouse'='"
            + dir.resolve("warehouse")
            + "')");
    env.useCatalog("q");
    QuiverCatalog catalog = (QuiverCatalog) env.getCatalog("q").orElseThrow();
    FeatureRegistry registry = catalog.registry();
    registry.apply(SpecParser.parse(QuiverCatalogITCase.SPECS, "specs.yaml").bundle(), "t", false);
    FeatureView view = registry.getView("ml", "user_clicks", null).view();
    org.apache.iceberg.Table table =
        OfflineTables.ensureTable(
            OfflineCatalogs.open(
                QuiverConfig.of(Map.of("offline.warehouse", dir.resolve("warehouse").toString()))),
            view);
    OfflineWriter writer = new OfflineWriter(table);
    writer.add(
        writer.record(
            Map.of(
                "user_id",
                "u1",
                "last_page",
                "p1",
                OfflineTables.EVENT_TIME,
                1_700_000_000_000L,
                OfflineTables.SEQ,
                1L,
                OfflineTables.INGESTED_AT,
                1_700_000_000_000L)));
    org.apache.iceberg.Snapshot snap = writer.commit(Map.of());
    table.manageSnapshots().createTag("backfill-1", snap.snapshotId()).commit();
    assertThat(count(env, "tag", "backfill-1")).isEqualTo(1);
    assertThatThrownBy(() -> count(env, "tag", "nope"))
        .hasStackTraceContaining("ml.user_clicks$offline: tag 'nope' is not a tag of ")
        .hasStackTraceContaining(".user_clicks_v1 (tags: backfill-1)")
        .hasStackTraceContaining("a backfill's tag is backfill-<its id>");
    assertThatThrownBy(
            () ->
                rows(
                    env,
                    "SELECT COUNT(*) FROM ml.`user_clicks$offline` /*+ OPTIONS('snapshot-id'='"
                        + snap.snapshotId()
                        + "', 'tag'='backfill-1') */"))
        .hasStackTraceContaining(
            "ml.user_clicks$offline: snapshot-id and tag name two points in time (expected: one"
                + " of snapshot-id, as-of-timestamp or tag)");
  }

  private static long count(TableEnvironment env, String option, String value) throws Exception {
    return (Long)
        rows(
                env,
                "SELECT COUNT(*) FROM ml.`user_clicks$offline` /*+ OPTIONS('"
                    + option
                    + "'='"
                    + value
                    + "') */")
            .get(0)
            .getField(0);
  }

  private static List<Row> rows(TableEnvironment env, String sql) throws Exception {
    List<Row> out = new ArrayList<>();
    try (CloseableIterator<Row> it = env.executeSql(sql).collect()) {
      it.forEachRemaining(out::add);
    }
    return out;
  }
}
