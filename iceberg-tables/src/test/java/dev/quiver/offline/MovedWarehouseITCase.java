package dev.quiver.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
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
    FeatureView view = TestViews.userProfile();
    MovedWarehouse moves = MovedWarehouse.of(dir, view);
    Path before = moves.before();
    Path after = moves.after();
    Catalog moved = OfflineCatalogs.hadoop(after);
    assertThatThrownBy(() -> moved.loadTable(OfflineTables.identifier(view)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            moves.refusal()
                + ": Iceberg metadata holds absolute paths, so a table"
                + " moved elsewhere (quiver local sets the previous run's tables aside in"
                + " previous-run/; a renamed or copied data directory moves them too) cannot be"
                + " read there "
                + moves.fix());

    // moved back, it reads again
    moves.moveBack();
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
    FeatureView view = TestViews.userProfile();
    MovedWarehouse moves = MovedWarehouse.of(dir, view);
    Path before = moves.before();
    Path after = moves.after();
    String expected = moves.refusal();
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
        .hasMessageEndingWith(moves.fix());

    Catalog loaded = OfflineCatalogs.loader(OfflineCatalogs.properties(config)).loadCatalog();
    assertThatThrownBy(() -> loaded.loadTable(OfflineTables.identifier(view)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(expected);

    // moved back, both read it
    moves.moveBack();
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
