package dev.quiver.offline;

import dev.quiver.core.UnavailableException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.jdbc.JdbcCatalog;

/**
 * Iceberg's JDBC catalog, whose start names the option to fix when its database cannot be reached
 * (down, a wrong host, port or database name, refused credentials): Iceberg's own error was an
 * {@code UncheckedSQLException} ("Cannot initialize JDBC catalog") with the driver's reason deep in
 * its causes. Quiver opens a {@code jdbc} offline catalog as this class everywhere: the CLI ({@link
 * OfflineCatalogs#open}), Flink's {@code CREATE CATALOG} ({@code 'catalog-impl'}, {@link
 * OfflineCatalogs#flinkProperties}) and the task managers ({@link OfflineCatalogs#loader}).
 *
 * <p>Its secrets may come from a file instead of its properties ({@link #SECRETS_FILE}): {@code
 * quiver sql} hands them over that way, since Flink's {@code DESCRIBE CATALOG EXTENDED} prints a
 * catalog's options as written.
 */
public class QuiverJdbcCatalog extends JdbcCatalog {
  /**
   * A catalog property naming an owner-only Java properties file of Quiver settings; its {@code
   * offline.properties.*} entries (a {@code jdbc.password}) are added to the catalog's properties.
   */
  public static final String SECRETS_FILE = "quiver.secrets-file";

  @Override
  public void initialize(String name, Map<String, String> properties) {
    if (properties.containsKey(SECRETS_FILE)) {
      properties = withSecrets(properties);
    }
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

  private static Map<String, String> withSecrets(Map<String, String> properties) {
    String file = properties.get(SECRETS_FILE);
    Properties secrets = new Properties();
    try (Reader in = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
      secrets.load(in);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          SECRETS_FILE
              + ": cannot read "
              + file
              + " ("
              + e
              + ") (expected: a readable Java properties file, e.g."
              + " offline.properties.jdbc.password=...)",
          e);
    }
    Map<String, String> out = new LinkedHashMap<>(properties);
    out.remove(SECRETS_FILE);
    for (String key : secrets.stringPropertyNames()) {
      if (key.startsWith(OfflineOptions.PROPERTIES_PREFIX)) {
        out.put(key.substring(OfflineOptions.PROPERTIES_PREFIX.length()), secrets.getProperty(key));
      }
    }
    return out;
  }
}
