package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.jobs.Materializer;
import dev.quiver.jobs.plan.JobPlanner;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming job's Iceberg sink on a moved Hadoop-catalog warehouse (quiver local's
 * previous-run/, a renamed data directory): the plan's own {@code CREATE CATALOG} statement gives
 * Flink a catalog that refuses the table with the CLI's error naming both places and the fix
 * (MovedWarehouseITCase). It named Iceberg's plain Hadoop catalog ({@code
 * 'catalog-type'='hadoop'}), which loaded the table and failed later on a missing manifest list.
 */
class MovedWarehouseSinkITCase {
  @TempDir Path dir;

  @Test
  void thePlansOfflineCatalogRefusesAMovedTableNamingTheFix() throws Exception {
    FeatureView view = TestViews.userProfile();
    MovedWarehouse moves = MovedWarehouse.of(dir, view);
    Path before = moves.before();
    Path after = moves.after();

    TableEnvironment env = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
    env.executeSql(catalogStatement(view, after));
    // resolving the sink's table (as the job's INSERT does) throws the catalog's error as is
    assertThatThrownBy(() -> env.from("quiver_offline.`default`.user_profile_v1"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(moves.refusal())
        .hasMessageEndingWith(moves.fix());

    // moved back, a job through the same statement's catalog reads and writes the table (its
    // source and sink open it on the task managers through the catalog's loader)
    moves.moveBack();
    TableEnvironment batch = TableEnvironment.create(EnvironmentSettings.inBatchMode());
    batch.executeSql(catalogStatement(view, before));
    batch
        .executeSql(
            "INSERT INTO quiver_offline.`default`.user_profile_v1"
                + " SELECT * FROM quiver_offline.`default`.user_profile_v1")
        .await();
    int rows = 0;
    try (CloseableIterable<Record> all =
        IcebergGenerics.read(
                OfflineCatalogs.hadoop(before).loadTable(OfflineTables.identifier(view)))
            .build()) {
      for (Record ignored : all) {
        rows++;
      }
    }
    assertThat(rows).isEqualTo(2);
  }

  /** The plan's {@code CREATE CATALOG} of the offline catalog, for a warehouse at {@code wh}. */
  private String catalogStatement(FeatureView view, Path wh) {
    QuiverConfig config =
        QuiverConfig.of(
            Map.of(
                OfflineOptions.WAREHOUSE.key(),
                wh.toString(),
                "online.type",
                "embedded",
                "online.embedded.path",
                dir.resolve("online").toString()));
    return Materializer.plan(view, OfflineTables.joinKeys(view), config).setup().stream()
        .filter(s -> s.startsWith(JobPlanner.createCatalog("quiver_offline")))
        .findFirst()
        .orElseThrow();
  }
}
