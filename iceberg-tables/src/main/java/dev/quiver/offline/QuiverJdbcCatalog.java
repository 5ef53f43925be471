package dev.quiver.offline;

import java.util.Map;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.jdbc.JdbcCatalog;

/**
 * Iceberg's JDBC catalog, whose start names the option to fix when its database cannot be reached
 * (down, a wrong host, port or database name, refused credentials): Iceberg's own error was an
 * {@code UncheckedSQLException} ("Cannot initialize JDBC catalog") with the driver's reason deep in
 * its causes. Quiver opens a {@code jdbc} offline catalog as this class everywhere: the CLI ({@link
 * OfflineCatalogs#open}), Flink's {@code CREATE CATALOG} ({@code 'catalog-impl'}, {@link
 * OfflineCatalogs#flinkProperties}) and the task managers ({@link OfflineCatalogs#loader}).
 */
public class QuiverJdbcCatalog extends JdbcCatalog {
  @Override
  public void initialize(String name, Map<String, String> properties) {
    try {
      super.initialize(name, properties);
    } catch (RuntimeException e) {
      String uri = OfflineCatalogs.redact(properties.getOrDefault(CatalogProperties.URI, ""));
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      String reason = root.getMessage() == null ? root.toString() : root.getMessage();
      throw new IllegalStateException(
          OfflineOptions.PROPERTIES_PREFIX
              + "uri: cannot open the JDBC catalog database at "
              + uri
              + " ("
              + OfflineCatalogs.redact(reason)
              + ") (expected: the database running and reachable, or "
              + OfflineOptions.PROPERTIES_PREFIX
              + "uri pointing at it)");
    }
  }
}
