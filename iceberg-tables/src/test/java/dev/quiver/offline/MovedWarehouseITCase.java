package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Hadoop-catalog warehouse that was moved (quiver local's previous-run/, a renamed data
 * directory): Iceberg metadata holds absolute paths, so its tables cannot be read from the new
 * place. Loading one says so, with the fix, instead of a read failing later on a missing file.
 */
class MovedWarehouseITCase {
  @TempDir Path dir;

  @Test
  void aMovedTableIsRefusedOnLoadNamingBothPlacesAndTheFix() throws Exception {
    Path before = dir.resolve("warehouse");
    FeatureView view = TestViews.userProfile();
    Table t = OfflineTables.ensureTable(OfflineCatalogs.hadoop(before), view);
    SnapshotRetentionITCase.commit(t, 1);
    assertThat(rows(OfflineCatalogs.hadoop(before).loadTable(OfflineTables.identifier(view))))
        .isEqualTo(1);

    Path after = dir.resolve("previous-run").resolve("warehouse");
    Files.createDirectories(after.getParent());
    Files.move(before, after);
    Catalog moved = OfflineCatalogs.hadoop(after);
    assertThatThrownBy(() -> moved.loadTable(OfflineTables.identifier(view)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "offline table default.user_profile_v1 at "
                + after.resolve("default/user_profile_v1")
                + " was written at "
                + before.resolve("default/user_profile_v1")
                + ", which no longer exists: Iceberg metadata holds absolute paths, so a table"
                + " moved elsewhere (quiver local sets the previous run's tables aside in"
                + " previous-run/; a renamed or copied data directory moves them too) cannot be"
                + " read there (expected: move the warehouse back to "
                + before
                + " to read it, or point offline.warehouse at a warehouse that was not moved)");

    // moved back, it reads again
    Files.move(after, before);
    assertThat(rows(OfflineCatalogs.hadoop(before).loadTable(OfflineTables.identifier(view))))
        .isEqualTo(1);
  }

  /**
   * Flink's side says the same: the offline catalog that {@code quiver sql} registers (and the
   * streaming job's Iceberg sink, from the same properties) and the task managers' catalog loader.
   * Before, Flink's Iceberg catalog ({@code 'catalog-type'='hadoop'}) was Iceberg's plain Hadoop
   * catalog: the table loaded, and the query failed on a missing manifest list.
   */
  @Test
  void flinksCatalogAndLoaderRefuseAMovedTableAsClearly() throws Exception {
    Path before = dir.resolve("warehouse");
    FeatureView view = TestViews.userProfile();
    SnapshotRetentionITCase.commit(
        OfflineTables.ensureTable(OfflineCatalogs.hadoop(before), view), 1);
    Path after = dir.resolve("previous-run").resolve("warehouse");
    Files.createDirectories(after.getParent());
    Files.move(before, after);
    String expected =
        "offline table default.user_profile_v1 at "
            + after.resolve("default/user_profile_v1")
            + " was written at "
            + before.resolve("default/user_profile_v1")
            + ", which no longer exists";
    QuiverConfig config = QuiverConfig.of(Map.of(OfflineOptions.WAREHOUSE.key(), after.toString()));

    TableEnvironment env = TableEnvironment.create(EnvironmentSettings.inBatchMode());
    TimeTravel.register(env, config);
    assertThatThrownBy(
            () ->
                env.executeSql("SELECT * FROM quiver_offline.`default`.user_profile_v1")
                    .collect()
                    .close())
        .rootCause()
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(expected)
        .hasMessageEndingWith(
            "(expected: move the warehouse back to "
                + before
                + " to read it, or point offline.warehouse at a warehouse that was not moved)");

    Catalog loaded = OfflineCatalogs.loader(OfflineCatalogs.properties(config)).loadCatalog();
    assertThatThrownBy(() -> loaded.loadTable(OfflineTables.identifier(view)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(expected);

    // moved back, both read it
    Files.move(after, before);
    QuiverConfig back = QuiverConfig.of(Map.of(OfflineOptions.WAREHOUSE.key(), before.toString()));
    TableEnvironment again = TableEnvironment.create(EnvironmentSettings.inBatchMode());
    TimeTravel.register(again, back);
    try (var rows =
        again.executeSql("SELECT * FROM quiver_offline.`default`.user_profile_v1").collect()) {
      int n = 0;
      while (rows.hasNext()) {
        rows.next();
        n++;
      }
      assertThat(n).isEqualTo(1);
    }
    assertThat(
            rows(
                OfflineCatalogs.loader(OfflineCatalogs.properties(back))
                    .loadCatalog()
                    .loadTable(OfflineTables.identifier(view))))
        .isEqualTo(1);
  }

  private static int rows(Table t) throws Exception {
    try (CloseableIterable<Record> rows = IcebergGenerics.read(t).build()) {
      int n = 0;
      for (Record ignored : rows) {
        n++;
      }
      return n;
    }
  }
}
