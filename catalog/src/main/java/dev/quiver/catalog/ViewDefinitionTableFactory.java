package dev.quiver.catalog;

import dev.quiver.core.spec.Version;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.ObjectIdentifier;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.factories.DynamicTableFactory;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.DynamicTableSourceFactory;

/**
 * {@code 'connector'='quiver'}: a feature view's table in the Quiver catalog is the view's
 * definition, which has no rows. Reading or writing it fails with an error that says where the rows
 * are ({@code view$offline}, training sets, the online store) or what writes them, instead of
 * Flink's "could not find any factory for identifier 'quiver'" and its list of connectors.
 */
public final class ViewDefinitionTableFactory
    implements DynamicTableSourceFactory, DynamicTableSinkFactory {

  @Override
  public String factoryIdentifier() {
    return ViewTableOptions.CONNECTOR_VALUE;
  }

  @Override
  public Set<ConfigOption<?>> requiredOptions() {
    return Set.of();
  }

  @Override
  public Set<ConfigOption<?>> optionalOptions() {
    return Set.of();
  }

  @Override
  public DynamicTableSource createDynamicTableSource(Context context) {
    Names n = Names.of(context);
    throw new ValidationException(
        n.what()
            + ": its definition, not its rows (the catalog stores no rows). Read the view's rows"
            + " from its offline Iceberg table: SELECT * FROM "
            + n.offline()
            + " (as of a time: add /*+ OPTIONS('as-of-timestamp'='2026-11-01T00:00:00Z') */, see"
            + " docs/time-travel.md); point-in-time training sets: quiver export; current values:"
            + " the online store's REST API");
  }

  @Override
  public DynamicTableSink createDynamicTableSink(Context context) {
    Names n = Names.of(context);
    throw new ValidationException(
        n.what()
            + ": its definition cannot be written to; its rows are written by the view's streaming"
            + " job (quiver materialize) and backfills (quiver backfill "
            + n.namespace()
            + "."
            + n.view()
            + ":<version> --from ... --to ...). Change the definition with ALTER TABLE");
  }

  /** The view a table name stands for, and its offline table's name. */
  private record Names(String namespace, String table, String view, String version, String pin) {
    static Names of(DynamicTableFactory.Context context) {
      ObjectIdentifier id = context.getObjectIdentifier();
      String table = id.getObjectName();
      String version =
          context.getCatalogTable().getOptions().getOrDefault(ViewTableOptions.VERSION, "");
      String view = table;
      String pin = null;
      try {
        PinnedTableName name = PinnedTableName.parse(table);
        view = name.view();
        if (!name.isLatest()) {
          pin = PinnedTableName.ofMajor(view, Version.parse(name.versionRef()).major());
        }
      } catch (IllegalArgumentException e) {
        // not a Quiver name (a table declared with 'connector'='quiver' elsewhere): keep it whole
      }
      return new Names(id.getDatabaseName(), table, view, version, pin);
    }

    String what() {
      return namespace
          + "."
          + table
          + " is feature view "
          + namespace
          + "."
          + view
          + (version.isEmpty() ? "" : " " + version)
          + " in the Quiver registry";
    }

    String offline() {
      return namespace + ".`" + (pin == null ? view : pin) + OfflineViewTable.SUFFIX + "`";
    }
  }
}
