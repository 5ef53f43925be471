package dev.quiver.offline;

import dev.quiver.core.UnavailableException;
import java.sql.SQLException;
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
      String p = OfflineOptions.PROPERTIES_PREFIX;
      throw new UnavailableException(
          p
              + "uri: cannot open the JDBC catalog database at "
              + uri
              + " ("
              + OfflineCatalogs.redact(reason)
              + ") (expected: "
              + (refusedLogin(e)
                  ? p + "jdbc.user and " + p + "jdbc.password of a user the database accepts"
                  : "the database running and reachable, or " + p + "uri pointing at it")
              + ")");
    }
  }

  /**
   * SQL state class 28, "invalid authorization specification": a user or password refused; or
   * 08004, a connection the server rejected, with the PostgreSQL driver's "the server requested ...
   * authentication, but no password was provided" (no {@code jdbc.password} given), which read as a
   * database out of reach.
   */
  private static boolean refusedLogin(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        if (sql.getSQLState().startsWith("28")
            || sql.getSQLState().equals("08004")
                && String.valueOf(sql.getMessage()).contains("no password was provided")) {
          return true;
        }
      }
    }
    return false;
  }
}
