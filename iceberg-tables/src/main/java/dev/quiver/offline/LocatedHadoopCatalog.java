package dev.quiver.offline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import org.apache.hadoop.fs.Path;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.hadoop.HadoopCatalog;

/**
 * Iceberg's Hadoop catalog (offline.catalog-type {@code hadoop}), refusing on load a table whose
 * warehouse was moved. A Hadoop catalog finds a table's metadata by its place under the warehouse,
 * but the metadata names the manifests and data files by absolute paths: moved elsewhere (quiver
 * local's {@code previous-run/}, a renamed data directory), the table loads, and every read then
 * fails on a missing manifest list ({@code NotFoundException: Failed to open input stream for file:
 * ...snap-...avro}) without saying why, and a write would recreate the old directory. Its location
 * is always {@code <warehouse>/<namespace>/<table>} (the catalog refuses another), so a table whose
 * metadata names another location that no longer exists has moved.
 */
public class LocatedHadoopCatalog extends HadoopCatalog {
  /** For {@link org.apache.iceberg.CatalogUtil#loadCatalog}; then {@link #initialize}. */
  public LocatedHadoopCatalog() {}

  @Override
  public Table loadTable(TableIdentifier identifier) {
    Table table = super.loadTable(identifier);
    if (table instanceof BaseTable) {
      String here = defaultWarehouseLocation(identifier);
      String written = table.location();
      if (!samePath(here, written) && !exists(written)) {
        throw new IllegalStateException(
            "offline table "
                + identifier
                + " at "
                + display(here)
                + " was written at "
                + display(written)
                + ", which no longer exists: Iceberg metadata holds absolute paths, so a table"
                + " moved elsewhere (quiver local sets the previous run's tables aside in"
                + " previous-run/; a renamed or copied data directory moves them too) cannot be"
                + " read there (expected: move the warehouse back to "
                + display(warehouseOf(written, identifier))
                + " to read it, or point offline.warehouse at a warehouse that was not moved)");
      }
    }
    return table;
  }

  private static boolean samePath(String a, String b) {
    return URI.create(trim(a))
        .normalize()
        .getPath()
        .equals(URI.create(trim(b)).normalize().getPath());
  }

  private static String trim(String location) {
    return location.endsWith("/") ? location.substring(0, location.length() - 1) : location;
  }

  private boolean exists(String location) {
    Path path = new Path(location);
    try {
      return path.getFileSystem(getConf()).exists(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code location} without its {@code /<namespace>/<table>} levels. */
  private static String warehouseOf(String location, TableIdentifier identifier) {
    String suffix =
        "/" + String.join("/", identifier.namespace().levels()) + "/" + identifier.name();
    String l = trim(location);
    return l.endsWith(suffix) ? l.substring(0, l.length() - suffix.length()) : l;
  }

  /** A local location as the file path a user types; other locations as they are. */
  private static String display(String location) {
    String l = trim(location);
    return l.startsWith("file:") ? URI.create(l).normalize().getPath() : l;
  }
}
