package dev.quiver.offline;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.spec.FeatureView;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.iceberg.catalog.TableIdentifier;

/**
 * Time travel over the offline tables in Flink SQL. Iceberg's Flink connector reads a table as of a
 * snapshot, a timestamp, a tag or a branch through dynamic table options (SQL hints): {@code
 * OPTIONS('snapshot-id'='123')}, {@code OPTIONS('as-of-timestamp'='<epoch millis>')}, {@code
 * OPTIONS('tag'='backfill-<id>')}, after a {@code CREATE CATALOG ... WITH ('type'='iceberg', ...)}.
 * The statements this class builds are exactly what {@code quiver sql} and the Flink SQL client
 * accept; docs/time-travel.md shows them in full.
 */
public final class TimeTravel {
  private TimeTravel() {}

  /** {@code CREATE CATALOG <name> WITH ('type'='iceberg', ...)} for the configured catalog. */
  public static String createCatalogSql(QuiverConfig config) {
    return createCatalogSql(config, null);
  }

  /**
   * {@link #createCatalogSql(QuiverConfig)}, with a JDBC catalog's secrets left out of the
   * statement and read from {@code secretsFile} instead ({@link QuiverJdbcCatalog#SECRETS_FILE}: a
   * properties file of Quiver settings that holds them, written by the caller), so that {@code
   * DESCRIBE CATALOG EXTENDED} shows none. Null, or another catalog type: the secrets inline.
   */
  public static String createCatalogSql(QuiverConfig config, Path secretsFile) {
    Map<String, String> props = new LinkedHashMap<>(OfflineCatalogs.flinkProperties(config));
    if (secretsFile != null
        && QuiverJdbcCatalog.class.getName().equals(props.get("catalog-impl"))) {
      props.keySet().removeIf(OfflineCatalogs::isSecret);
      props.put(QuiverJdbcCatalog.SECRETS_FILE, secretsFile.toAbsolutePath().toString());
    }
    String with =
        props.entrySet().stream()
            .map(e -> quote(e.getKey()) + "=" + quote(e.getValue()))
            .collect(Collectors.joining(", "));
    return "CREATE CATALOG `"
        + config.get(OfflineOptions.CATALOG_NAME)
        + "` WITH ('type'='iceberg', "
        + with
        + ")";
  }

  /** {@code SELECT * FROM <view table>} as of an Iceberg snapshot id. */
  public static String selectAsOfSnapshot(String catalog, FeatureView view, long snapshotId) {
    return select(catalog, view, "snapshot-id", Long.toString(snapshotId));
  }

  /** {@code SELECT * FROM <view table>} as of the snapshot current at {@code time}. */
  public static String selectAsOfTime(String catalog, FeatureView view, Instant time) {
    return select(catalog, view, "as-of-timestamp", Long.toString(time.toEpochMilli()));
  }

  /** {@code SELECT * FROM <view table>} at a tag, for example a backfill's tag. */
  public static String selectAtTag(String catalog, FeatureView view, String tag) {
    return select(catalog, view, "tag", tag);
  }

  private static String select(String catalog, FeatureView view, String option, String value) {
    TableIdentifier id = OfflineTables.identifier(view);
    return "SELECT * FROM `"
        + catalog
        + "`.`"
        + id.namespace()
        + "`.`"
        + id.name()
        + "` /*+ OPTIONS("
        + quote(option)
        + "="
        + quote(value)
        + ") */";
  }

  /** Registers the offline catalog in {@code env} (idempotent). */
  public static void register(TableEnvironment env, QuiverConfig config) {
    String name = config.get(OfflineOptions.CATALOG_NAME);
    if (env.getCatalog(name).isEmpty()) {
      env.executeSql(createCatalogSql(config));
    }
  }

  /** Runs a time-travel query: {@code register} then one of the {@code select*} statements. */
  public static TableResult query(TableEnvironment env, QuiverConfig config, String sql) {
    register(env, config);
    return env.executeSql(sql);
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "''") + "'";
  }
}
