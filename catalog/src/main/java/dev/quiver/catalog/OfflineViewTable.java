package dev.quiver.catalog;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.offline.OfflineCatalogs;
import dev.quiver.offline.OfflineOptions;
import dev.quiver.offline.OfflineTables;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.CatalogTable;
import org.apache.flink.table.types.utils.TypeConversions;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.flink.FlinkSchemaUtil;

/**
 * A view's offline Iceberg table as a readable table of the Quiver catalog: {@code view$offline}
 * (the newest version's major) and {@code view$v3$offline} (major 3). The table is a {@link
 * CatalogTable} with {@code 'connector'='quiver-offline'} ({@link OfflineTableSourceFactory}:
 * checks the time-travel options, then Flink's Iceberg connector reads it) and the offline
 * catalog's properties, and its dynamic options give time travel: {@code /*+
 * OPTIONS('snapshot-id'='...') *}{@code /}, {@code 'as-of-timestamp'} (epoch millis) or {@code
 * 'tag'}. A secret among the offline catalog's properties ({@code jdbc.password}) is masked in the
 * table's options, which {@code SHOW CREATE TABLE} prints; the catalog's own factory reads the
 * table with the real value ({@link OfflineTableSourceFactory#OfflineTableSourceFactory(Map)}).
 */
final class OfflineViewTable {
  /**
   * Appended to a (pinned) table name: {@code user_stats$offline}, {@code user_stats$v3$offline}.
   */
  static final String SUFFIX = PinnedTableName.SEPARATOR + "offline";

  private OfflineViewTable() {}

  /** The view part of an offline table name, if {@code tableName} is one. */
  static Optional<String> viewPart(String tableName) {
    return tableName.endsWith(SUFFIX) && tableName.length() > SUFFIX.length()
        ? Optional.of(tableName.substring(0, tableName.length() - SUFFIX.length()))
        : Optional.empty();
  }

  /** {@code view$v3$offline}: the name that reads major 3's offline table. */
  static String nameOf(FeatureView view) {
    return PinnedTableName.ofMajor(view.name(), view.version().major()) + SUFFIX;
  }

  /**
   * The catalog table reading {@code view}'s offline table.
   *
   * @param tableName the name it was asked for, as errors cite it ({@code ns.view$offline})
   * @throws ValidationException when the offline table does not exist yet (nothing was written for
   *     this major), naming what writes it
   */
  static CatalogTable of(FeatureView view, QuiverConfig offline, String tableName) {
    TableIdentifier id = OfflineTables.identifier(view);
    Map<String, String> options = new LinkedHashMap<>();
    // Iceberg's connector, after the time-travel options are checked (OfflineTableSourceFactory)
    options.put("connector", OfflineTableSourceFactory.IDENTIFIER);
    options.put("catalog-name", offline.get(OfflineOptions.CATALOG_NAME));
    Map<String, String> props;
    try {
      props = OfflineCatalogs.flinkProperties(offline);
    } catch (IllegalArgumentException e) {
      throw new ValidationException(tableName + ": the offline catalog: " + e.getMessage(), e);
    }
    // shown by SHOW CREATE TABLE: the catalog's password masked; the catalog's factory
    // (OfflineTableSourceFactory) gives it back to the reader
    options.putAll(OfflineCatalogs.masked(props));
    options.put("catalog-database", id.namespace().toString());
    options.put("catalog-table", id.name());
    Table table = load(offline, id, view, tableName, props.get("warehouse"));
    Schema schema =
        Schema.newBuilder()
            .fromRowDataType(
                TypeConversions.fromLogicalToDataType(FlinkSchemaUtil.convert(table.schema())))
            .build();
    return CatalogTable.newBuilder()
        .schema(schema)
        .comment(
            "Offline (Iceberg) table "
                + id
                + " of feature view "
                + view.qualifiedName()
                + ":"
                + view.version()
                + "; time travel: /*+ OPTIONS('snapshot-id'='...') */ or 'as-of-timestamp'")
        .partitionKeys(List.of())
        .options(options)
        .build();
  }

  /**
   * Whether {@code view}'s offline Iceberg table exists (it is created by the view's streaming job
   * or a backfill); an offline catalog that cannot be opened counts as no table.
   */
  static boolean exists(FeatureView view, QuiverConfig offline) {
    Catalog catalog;
    try {
      catalog = OfflineCatalogs.open(offline);
    } catch (RuntimeException e) {
      return false; // getTable names what is wrong with the catalog's options
    }
    try {
      return catalog.tableExists(OfflineTables.identifier(view));
    } finally {
      close(catalog);
    }
  }

  private static Table load(
      QuiverConfig offline,
      TableIdentifier id,
      FeatureView view,
      String tableName,
      String warehouse) {
    Catalog catalog = OfflineCatalogs.open(offline);
    try {
      return catalog.loadTable(id);
    } catch (NoSuchTableException e) {
      throw new ValidationException(
          tableName
              + ": the view has no offline table yet ("
              + id
              + " in the Iceberg catalog at "
              + warehouse
              + "). It is written by the view's streaming job (quiver materialize) or by quiver"
              + " backfill "
              + view.qualifiedName()
              + ":"
              + view.version()
              + " --from ... --to ...; or point the catalog at the right warehouse with"
              + " 'offline.warehouse' (quiver sql takes it from quiver.yaml or --set)");
    } finally {
      close(catalog);
    }
  }

  private static void close(Catalog catalog) {
    if (catalog instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception ignored) {
        // closing a catalog client; nothing was written through it
      }
    }
  }
}
