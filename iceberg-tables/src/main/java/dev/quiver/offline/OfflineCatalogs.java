package dev.quiver.offline;

import dev.quiver.core.config.QuiverConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.flink.CatalogLoader;

/**
 * Opens the Iceberg catalog that holds the offline tables, from {@code offline.*} options. The
 * catalog kinds are Iceberg's own ({@code hadoop}: metadata in files under the warehouse; {@code
 * jdbc}: pointers in a database given by {@code offline.properties.uri}).
 */
public final class OfflineCatalogs {
  /** The catalog kinds Quiver supports, lowercase. */
  public static final List<String> TYPES = List.of("hadoop", "jdbc");

  private OfflineCatalogs() {}

  /**
   * Opens a new catalog instance. The caller owns it (close it if it is {@link AutoCloseable}).
   *
   * @throws IllegalArgumentException for an unknown catalog type, listing the supported ones
   */
  public static Catalog open(QuiverConfig config) {
    Map<String, String> props = properties(config);
    if ("hadoop".equals(props.get(CatalogUtil.ICEBERG_CATALOG_TYPE))) {
      // Iceberg's Hadoop catalog, refusing a moved table with the reason (LocatedHadoopCatalog)
      Map<String, String> impl = new LinkedHashMap<>(props);
      impl.remove(CatalogUtil.ICEBERG_CATALOG_TYPE);
      return CatalogUtil.loadCatalog(
          LocatedHadoopCatalog.class.getName(),
          config.get(OfflineOptions.CATALOG_NAME),
          impl,
          new Configuration());
    }
    // jdbc: Iceberg's JDBC catalog, naming offline.properties.uri when its database is out of reach
    Map<String, String> impl = new LinkedHashMap<>(props);
    impl.remove(CatalogUtil.ICEBERG_CATALOG_TYPE);
    return CatalogUtil.loadCatalog(
        QuiverJdbcCatalog.class.getName(),
        config.get(OfflineOptions.CATALOG_NAME),
        impl,
        new Configuration());
  }

  /** A Hadoop catalog on a local warehouse directory (tests, local mode). */
  public static Catalog hadoop(Path warehouse) {
    return open(
        QuiverConfig.of(
            Map.of(OfflineOptions.WAREHOUSE.key(), warehouse.toAbsolutePath().toString())));
  }

  /**
   * The Iceberg catalog properties ({@code type}, {@code warehouse}, passthrough) for {@code
   * config}; also what the Flink SQL {@code CREATE CATALOG ... WITH ('type'='iceberg', ...)} needs
   * (see {@link TimeTravel#createCatalogSql}).
   */
  public static Map<String, String> properties(QuiverConfig config) {
    String type = config.get(OfflineOptions.CATALOG_TYPE).trim().toLowerCase(Locale.ROOT);
    if (!TYPES.contains(type)) {
      throw new IllegalArgumentException(
          OfflineOptions.CATALOG_TYPE.key()
              + ": '"
              + type
              + "' (expected one of: "
              + String.join(", ", TYPES)
              + ")");
    }
    Map<String, String> props = new LinkedHashMap<>();
    props.put(CatalogUtil.ICEBERG_CATALOG_TYPE, type);
    props.put(
        CatalogProperties.WAREHOUSE_LOCATION, warehouseUri(config.get(OfflineOptions.WAREHOUSE)));
    props.putAll(config.withPrefix(OfflineOptions.PROPERTIES_PREFIX));
    if ("jdbc".equals(type) && !props.containsKey(CatalogProperties.URI)) {
      throw new IllegalArgumentException(
          OfflineOptions.PROPERTIES_PREFIX
              + "uri: missing (expected: the JDBC URL of the catalog database when"
              + " offline.catalog-type is jdbc, e.g. jdbc:postgresql://host/db)");
    }
    return props;
  }

  /**
   * The same properties as Flink's Iceberg options (a {@code CREATE CATALOG ... WITH
   * ('type'='iceberg', ...)} or a table with {@code 'connector'='iceberg'}): Iceberg's {@code type}
   * is spelled {@code catalog-type} there, because Flink's {@code type} names the catalog factory.
   * A {@code hadoop} catalog is named by its class instead ({@code catalog-impl}, {@link
   * LocatedHadoopCatalog}), so that Flink's side (the streaming job's Iceberg sink, {@code quiver
   * sql}) refuses a moved warehouse with the same error as the CLI's exports and backfills; with
   * {@code 'catalog-type'='hadoop'}, Flink built Iceberg's plain Hadoop catalog, the table loaded,
   * and a read failed later on a missing manifest list. A {@code jdbc} catalog is named by its
   * class too ({@link QuiverJdbcCatalog}, Iceberg's {@code JdbcCatalog}): Iceberg's Flink catalog
   * factory knows only the {@code hive}, {@code hadoop} and {@code rest} types, and refused {@code
   * 'catalog-type'='jdbc'}.
   */
  public static Map<String, String> flinkProperties(QuiverConfig config) {
    Map<String, String> out = new LinkedHashMap<>();
    properties(config)
        .forEach(
            (k, v) -> {
              if (!k.equals(CatalogUtil.ICEBERG_CATALOG_TYPE)) {
                out.put(k, v);
              } else {
                out.put("catalog-impl", implementation(v));
              }
            });
    return out;
  }

  /**
   * A Flink-side loader of the same catalog (serializable, opened on the task managers); a {@code
   * hadoop} one is a {@link LocatedHadoopCatalog}, as {@link #open} builds it.
   */
  public static CatalogLoader loader(Map<String, String> props) {
    String type = props.getOrDefault(CatalogUtil.ICEBERG_CATALOG_TYPE, "hadoop");
    String name = props.getOrDefault("quiver.catalog-name", "quiver_offline");
    Map<String, String> impl = new LinkedHashMap<>(props);
    impl.remove(CatalogUtil.ICEBERG_CATALOG_TYPE);
    return CatalogLoader.custom(name, impl, new Configuration(), implementation(type));
  }

  /**
   * The catalog type whose class {@link #flinkProperties} gives as {@code catalog-impl}: {@code
   * jdbc} for {@link QuiverJdbcCatalog}, else {@code hadoop}.
   */
  public static String type(String catalogImpl) {
    return QuiverJdbcCatalog.class.getName().equals(catalogImpl) ? "jdbc" : "hadoop";
  }

  /** The catalog class Quiver opens for a catalog type (one of {@link #TYPES}). */
  private static String implementation(String type) {
    return "hadoop".equals(type)
        ? LocatedHadoopCatalog.class.getName()
        : QuiverJdbcCatalog.class.getName();
  }

  /**
   * Whether a catalog option's value is a secret ({@code jdbc.password}, a token, a key), so that
   * it is never printed: {@code quiver plan} shows it as {@value #MASK}. The names are those Flink
   * hides in its own configuration.
   */
  public static boolean isSecret(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return SECRET_KEYS.stream().anyMatch(k::contains);
  }

  /** What {@code quiver plan} and errors show for a secret. */
  public static final String MASK = "******";

  private static final List<String> SECRET_KEYS =
      List.of("password", "secret", "token", "credential", "apikey", "access-key", "private-key");

  /**
   * {@code props} as they may be shown (a table's options in {@code SHOW CREATE TABLE}): each
   * secret's value is {@value #MASK} and a {@code password=} in any value is masked ({@link
   * #redact}). {@link #unmasked} gives the values back.
   */
  public static Map<String, String> masked(Map<String, String> props) {
    Map<String, String> out = new LinkedHashMap<>();
    props.forEach((k, v) -> out.put(k, masked(k, v)));
    return out;
  }

  private static String masked(String key, String value) {
    return isSecret(key) ? MASK : redact(value);
  }

  /**
   * {@code shown} with each value that {@link #masked} hid taken back from {@code props}, the
   * properties it was made from; other values (changed since, or never masked) stay as they are.
   */
  public static Map<String, String> unmasked(Map<String, String> shown, Map<String, String> props) {
    Map<String, String> out = new LinkedHashMap<>(shown);
    props.forEach(
        (k, v) -> {
          String m = masked(k, v);
          if (!m.equals(v) && m.equals(shown.get(k))) {
            out.put(k, v);
          }
        });
    return out;
  }

  /** {@code text} (a JDBC URL, an error) with the value of a {@code password=} parameter masked. */
  public static String redact(String text) {
    return text.replaceAll("(?i)(password=)[^&;\\s]*", "$1" + MASK);
  }

  /** A local path becomes an absolute {@code file:} URI; URIs with a scheme stay as they are. */
  public static String warehouseUri(String warehouse) {
    if (warehouse.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
      return warehouse;
    }
    URI uri = Path.of(warehouse).toAbsolutePath().normalize().toUri();
    return uri.toString();
  }
}
