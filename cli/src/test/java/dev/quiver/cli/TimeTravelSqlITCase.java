package dev.quiver.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.registry.FeatureRegistries;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.offline.OfflineCatalogs;
import dev.quiver.offline.OfflineTables;
import dev.quiver.offline.OfflineWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.junit.jupiter.api.Test;

/**
 * Time travel in Flink SQL through the catalog: {@code quiver sql} registers the offline Iceberg
 * catalog next to the Quiver catalog, and the Quiver catalog serves each view's offline table as
 * {@code view$offline} / {@code view$v1$offline}, read as of a snapshot id or a timestamp with
 * Iceberg's dynamic options. Real Iceberg (Hadoop catalog on a temp dir) and real Flink.
 */
class TimeTravelSqlITCase extends CliTestSupport {

  private List<String> settings() {
    return List.of(
        "quiver.data-dir=" + dir.resolve("data"), "offline.warehouse=" + dir.resolve("warehouse"));
  }

  private FeatureView applyView() throws Exception {
    assertThat(run("apply", dir.resolve("base.yaml").toString()).code()).isZero();
    Run applied = run("apply", spec("v1.yaml", view("v1", "a@x.com", "last_page")).toString());
    assertThat(applied.code()).as(applied.out() + applied.err()).isZero();
    try (FeatureRegistry registry =
        FeatureRegistries.open(CliEnvironment.load(null, settings()).config())) {
      return registry.getView("default", "user_pages", "latest").view();
    }
  }

  /** Two snapshots: the first holds u1's page p1, the second adds u2's page p2. */
  private Snapshot[] writeTwoSnapshots(FeatureView view) throws Exception {
    Catalog iceberg = OfflineCatalogs.hadoop(dir.resolve("warehouse"));
    Table table =
        OfflineTables.ensureTable(
            iceberg, view, List.of(new JoinKey("user_id", FeatureType.STRING)));
    OfflineWriter writer = new OfflineWriter(table);
    long t0 = 1_700_000_000_000L;
    writer.add(writer.record(row("u1", "p1", t0, 1)));
    Snapshot first = writer.commit(Map.of());
    Thread.sleep(20);
    writer.add(writer.record(row("u2", "p2", t0 + 1000, 2)));
    Snapshot second = writer.commit(Map.of());
    assertThat(second.timestampMillis()).isGreaterThan(first.timestampMillis());
    return new Snapshot[] {first, second};
  }

  private static Map<String, Object> row(String user, String page, long time, long seq) {
    return Map.of(
        "user_id",
        user,
        "last_page",
        page,
        OfflineTables.EVENT_TIME,
        time,
        OfflineTables.SEQ,
        seq,
        OfflineTables.INGESTED_AT,
        time);
  }

  @Test
  void quiverSqlReadsAViewAsOfASnapshotOrATime() throws Exception {
    FeatureView view = applyView();
    Snapshot[] snaps = writeTwoSnapshots(view);
    Path script =
        spec(
            "tt.sql",
            "SET 'execution.runtime-mode' = 'batch';\n"
                + summary("snap1", "`user_pages$offline`", "snapshot-id", snaps[0].snapshotId())
                + summary("snap2", "`user_pages$offline`", "snapshot-id", snaps[1].snapshotId())
                + summary(
                    "time1",
                    "`user_pages$v1$offline`",
                    "as-of-timestamp",
                    snaps[0].timestampMillis())
                + summary(
                    "time2",
                    "`user_pages$v1$offline`",
                    "as-of-timestamp",
                    snaps[1].timestampMillis())
                + summary(
                    "offline1",
                    "quiver_offline.`default`.`user_pages_v1`",
                    "snapshot-id",
                    snaps[0].snapshotId()));
    Run r =
        run(
            "--set",
            "offline.warehouse=" + dir.resolve("warehouse"),
            "sql",
            "-f",
            script.toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .contains("snap1=1:p1")
        .contains("snap2=2:p2")
        .contains("time1=1:p1")
        .contains("time2=2:p2")
        .contains("offline1=1:p1");
  }

  /** One line {@code label=<rows>:<max page>} of {@code table} read with one time-travel option. */
  private static String summary(String label, String table, String option, long value) {
    return "SELECT CONCAT('"
        + label
        + "=', CAST(COUNT(*) AS STRING), ':', MAX(last_page)) FROM "
        + table
        + " /*+ OPTIONS('"
        + option
        + "'='"
        + value
        + "') */;\n";
  }

  @Test
  void unknownViewOrMissingOfflineTableNamesTheFix() throws Exception {
    applyView();
    TableEnvironment env = TableEnvironment.create(EnvironmentSettings.inBatchMode());
    env.executeSql(
        "CREATE CATALOG q WITH ('type'='quiver', 'registry.path'='"
            + CliEnvironment.load(null, settings())
                .config()
                .get(dev.quiver.core.registry.RegistryOptions.PATH)
            + "', 'offline.warehouse'='"
            + dir.resolve("warehouse")
            + "')");
    env.executeSql("USE CATALOG q");
    assertThatThrownBy(() -> rows(env, "SELECT * FROM `nope$offline`"))
        .hasStackTraceContaining("no feature view 'nope'")
        .hasStackTraceContaining("SHOW TABLES");
    assertThatThrownBy(() -> rows(env, "SELECT * FROM `user_pages$offline`"))
        .hasStackTraceContaining("user_pages_v1")
        .hasStackTraceContaining("quiver backfill");
    assertThatThrownBy(() -> rows(env, "SELECT * FROM `user_pages$v7$offline`"))
        .hasStackTraceContaining("user_pages$v7");
    // the old form points to the new one
    assertThatThrownBy(
            () ->
                rows(
                    env,
                    "SELECT * FROM user_pages FOR SYSTEM_TIME AS OF TIMESTAMP '2024-01-01 00:00:00'"))
        .hasStackTraceContaining("`user_pages$v1$offline` /*+ OPTIONS('as-of-timestamp'=");
    // listing is unchanged: the $offline names are not listed
    assertThat(rows(env, "SHOW TABLES").toString()).doesNotContain("$offline");
  }

  private static List<Row> rows(TableEnvironment env, String sql) throws Exception {
    List<Row> out = new ArrayList<>();
    try (CloseableIterator<Row> it = env.executeSql(sql).collect()) {
      it.forEachRemaining(out::add);
    }
    return out;
  }
}
