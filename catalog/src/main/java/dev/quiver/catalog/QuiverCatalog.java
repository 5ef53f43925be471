package dev.quiver.catalog;

import dev.quiver.core.config.QuiverConfig;
import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.registry.FeatureRegistry.SpecBundle;
import dev.quiver.core.registry.RegistryException;
import dev.quiver.core.registry.ViewQuery;
import dev.quiver.core.registry.ViewRecord;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Suggestions;
import dev.quiver.core.spec.Version;
import dev.quiver.core.spec.ViewStatus;
import dev.quiver.offline.OfflineCatalogs;
import dev.quiver.offline.OfflineOptions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.CatalogBaseTable;
import org.apache.flink.table.catalog.CatalogDatabase;
import org.apache.flink.table.catalog.CatalogDatabaseImpl;
import org.apache.flink.table.catalog.ObjectPath;
import org.apache.flink.table.catalog.ResolvedCatalogTable;
import org.apache.flink.table.catalog.exceptions.CatalogException;
import org.apache.flink.table.catalog.exceptions.DatabaseAlreadyExistException;
import org.apache.flink.table.catalog.exceptions.DatabaseNotEmptyException;
import org.apache.flink.table.catalog.exceptions.DatabaseNotExistException;
import org.apache.flink.table.catalog.exceptions.TableAlreadyExistException;
import org.apache.flink.table.catalog.exceptions.TableNotExistException;
import org.apache.flink.table.factories.Factory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The feature registry as a Flink catalog: namespaces are databases and each feature view is a
 * table named after the view (its newest ACTIVE version), plus one pinned table per major ({@code
 * view$v3}) and per revision ({@code view$v3.1}); see {@link PinnedTableName}. A view's offline
 * Iceberg table reads as {@code view$offline} or {@code view$v3$offline} ({@link OfflineViewTable};
 * not listed, like the retired pins), with Iceberg's time-travel options. {@code CREATE TABLE} and
 * {@code ALTER TABLE} register a new version through {@link FeatureRegistry#apply}; {@code DROP
 * TABLE} is refused, because versions leave through their lifecycle ({@code quiver deprecate}).
 *
 * <p>A thin adapter: the mapping is in {@link ViewTableMapper} and {@link TableDefinitionReader},
 * and registry failures are converted to Flink exceptions once, in {@link CatalogErrors}. A
 * namespace created with {@code CREATE DATABASE} lives in this session until its first view is
 * created. Thread-safe as far as the registry is.
 */
public class QuiverCatalog extends FeatureViewCatalogBase {
  private static final Logger LOG = LoggerFactory.getLogger(QuiverCatalog.class);
  private final Supplier<FeatureRegistry> opener;
  private final boolean ownsRegistry;
  private final String actor;
  private final QuiverConfig offline;
  private final Set<String> sessionNamespaces = ConcurrentHashMap.newKeySet();
  private volatile FeatureRegistry registry;

  /**
   * @param opener opens the registry in {@link #open()}; the catalog closes it in {@link #close()}
   * @param actor who the registry's audit log names for changes made through SQL
   */
  public QuiverCatalog(
      String name, String defaultDatabase, Supplier<FeatureRegistry> opener, String actor) {
    this(name, defaultDatabase, opener, true, actor, QuiverConfig.empty());
  }

  /**
   * @param offline the {@code offline.*} options of the Iceberg catalog that holds the views'
   *     offline tables (read as {@code view$offline})
   */
  public QuiverCatalog(
      String name,
      String defaultDatabase,
      Supplier<FeatureRegistry> opener,
      String actor,
      QuiverConfig offline) {
    this(name, defaultDatabase, opener, true, actor, offline);
  }

  private QuiverCatalog(
      String name,
      String defaultDatabase,
      Supplier<FeatureRegistry> opener,
      boolean ownsRegistry,
      String actor,
      QuiverConfig offline) {
    super(name, defaultDatabase);
    this.opener = Objects.requireNonNull(opener, "opener");
    this.ownsRegistry = ownsRegistry;
    this.actor = Objects.requireNonNull(actor, "actor");
    this.offline = Objects.requireNonNull(offline, "offline");
  }

  /** A catalog over a registry that the caller owns and closes. */
  public static QuiverCatalog over(
      String name, String defaultDatabase, FeatureRegistry registry, String actor) {
    return new QuiverCatalog(
        name, defaultDatabase, () -> registry, false, actor, QuiverConfig.empty());
  }

  @Override
  public void open() {
    try {
      registry = opener.get();
    } catch (RuntimeException e) {
      throw new CatalogException(
          "Quiver catalog '" + getName() + "': cannot open the registry: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    FeatureRegistry r = registry;
    registry = null;
    if (r != null && ownsRegistry) {
      r.close();
    }
  }

  /**
   * The factory that reads this catalog's tables: {@code view$offline} ones with the offline
   * catalog's secrets, which their options show masked ({@link OfflineViewTable}); the others by
   * their connector.
   */
  @Override
  public Optional<Factory> getFactory() {
    Map<String, String> props;
    try {
      props = OfflineCatalogs.flinkProperties(offline);
    } catch (IllegalArgumentException e) {
      props = Map.of(); // getTable names what is wrong with the offline options
    }
    return Optional.of(new OfflineTableSourceFactory(props));
  }

  /** The open registry (tests use it to set up and check what SQL did). */
  FeatureRegistry registry() {
    FeatureRegistry r = registry;
    if (r == null) {
      throw new CatalogException("Quiver catalog '" + getName() + "' is not open");
    }
    return r;
  }

  // ---- databases = namespaces

  @Override
  public List<String> listDatabases() {
    Set<String> all = new TreeSet<>(call(() -> registry().listNamespaces(), "list namespaces"));
    all.add(getDefaultDatabase());
    all.addAll(sessionNamespaces);
    return new ArrayList<>(all);
  }

  @Override
  public CatalogDatabase getDatabase(String name) throws DatabaseNotExistException {
    if (!databaseExists(name)) {
      throw new DatabaseNotExistException(getName(), name);
    }
    int views = viewsIn(name).size();
    return new CatalogDatabaseImpl(
        Map.of("quiver.views", Integer.toString(views)), "Quiver namespace " + name);
  }

  @Override
  public boolean databaseExists(String name) {
    return listDatabases().contains(name);
  }

  @Override
  public void createDatabase(String name, CatalogDatabase database, boolean ignoreIfExists)
      throws DatabaseAlreadyExistException {
    if (databaseExists(name)) {
      if (!ignoreIfExists) {
        throw new DatabaseAlreadyExistException(getName(), name);
      }
      return;
    }
    sessionNamespaces.add(name);
  }

  @Override
  public void dropDatabase(String name, boolean ignoreIfNotExists, boolean cascade)
      throws DatabaseNotExistException, DatabaseNotEmptyException {
    if (!databaseExists(name)) {
      if (!ignoreIfNotExists) {
        throw new DatabaseNotExistException(getName(), name);
      }
      return;
    }
    if (!viewsIn(name).isEmpty()) {
      throw new CatalogException(
          "Namespace '"
              + name
              + "' holds feature views; they are not dropped but retired: quiver deprecate"
              + " <view>:<version> --retire");
    }
    sessionNamespaces.remove(name);
  }

  @Override
  public void alterDatabase(String name, CatalogDatabase newDatabase, boolean ignoreIfNotExists) {
    throw new CatalogException("ALTER DATABASE is not supported: namespaces have no properties");
  }

  // ---- tables = feature view versions

  @Override
  public List<String> listTables(String databaseName) throws DatabaseNotExistException {
    if (!databaseExists(databaseName)) {
      throw new DatabaseNotExistException(getName(), databaseName);
    }
    Set<String> names = new TreeSet<>();
    for (ViewRecord latest : viewsIn(databaseName)) {
      String view = latest.view().name();
      names.add(view);
      for (ViewRecord r : versionsOf(databaseName, view)) {
        if (r.view().status() != ViewStatus.RETIRED) {
          names.add(PinnedTableName.ofMajor(view, r.version().major()));
          names.add(PinnedTableName.ofRevision(view, r.version()));
        }
      }
    }
    return new ArrayList<>(names);
  }

  @Override
  public CatalogBaseTable getTable(ObjectPath path) throws TableNotExistException {
    Optional<String> offlineOf = OfflineViewTable.viewPart(path.getObjectName());
    if (offlineOf.isPresent()) {
      return offlineTable(path, offlineOf.get());
    }
    Optional<ViewRecord> found = resolve(path);
    if (found.isEmpty()) {
      throw notFound(path);
    }
    ViewRecord record = found.get();
    String ns = path.getDatabaseName();
    List<Entity> entities =
        record.view().entities().stream()
            .map(
                e ->
                    call(() -> registry().getEntity(ns, e), "get entity " + e)
                        .orElse(Entity.implicit(ns, e)))
            .toList();
    return ViewTableMapper.toTable(record, entities);
  }

  /**
   * An unknown table name. Flink drops a {@link TableNotExistException}'s message and says only
   * "doesn't exist", so when there is something to suggest (the view's readable versions, a view
   * with a close name, the namespace that holds the view) this is a {@link ValidationException}
   * that Flink shows as it is; otherwise Flink's own message.
   */
  private ValidationException notFound(ObjectPath path) throws TableNotExistException {
    String ns = path.getDatabaseName();
    PinnedTableName name;
    try {
      name = PinnedTableName.parse(path.getObjectName());
    } catch (IllegalArgumentException e) {
      return new ValidationException(path.getFullName() + ": " + e.getMessage(), e);
    }
    List<String> readable =
        versionsOf(ns, name.view()).stream()
            .filter(r -> r.view().status() != ViewStatus.RETIRED)
            .map(r -> PinnedTableName.ofRevision(name.view(), r.version()))
            .toList();
    if (!readable.isEmpty()) {
      return new ValidationException(
          path.getFullName()
              + ": feature view "
              + ns
              + "."
              + name.view()
              + " has no readable version '"
              + name.versionRef()
              + "'; its versions: "
              + String.join(", ", readable)
              + " (pin a major as `"
              + name.view()
              + "$v1`, a revision as `"
              + name.view()
              + "$v1.0`; retired versions cannot be read)");
    }
    List<String> views = viewsIn(ns).stream().map(r -> r.view().name()).toList();
    String hint = Suggestions.didYouMeanQuoted(name.view(), views);
    if (hint.isEmpty()) {
      hint =
          listDatabases().stream()
              .filter(other -> !other.equals(ns) && !versionsOf(other, name.view()).isEmpty())
              .findFirst()
              .map(other -> "; it is in namespace '" + other + "': " + other + "." + name.view())
              .orElse("");
    }
    if (hint.isEmpty()) {
      throw new TableNotExistException(getName(), path);
    }
    return new ValidationException(
        path.getFullName()
            + ": no feature view '"
            + name.view()
            + "' in namespace '"
            + ns
            + "'"
            + hint
            + "; SHOW TABLES lists the views");
  }

  /**
   * {@code view$offline} / {@code view$v3$offline}: the view's offline Iceberg table. An unknown
   * view or version is an error that names the fix rather than Flink's "object not found".
   */
  private CatalogBaseTable offlineTable(ObjectPath path, String viewPart) {
    Optional<ViewRecord> record = resolve(new ObjectPath(path.getDatabaseName(), viewPart));
    if (record.isEmpty()) {
      PinnedTableName name;
      try {
        name = PinnedTableName.parse(viewPart);
      } catch (IllegalArgumentException e) {
        throw new ValidationException(path.getFullName() + ": " + e.getMessage(), e);
      }
      String ns = path.getDatabaseName();
      List<ViewRecord> versions = versionsOf(ns, name.view());
      String how =
          "; SHOW TABLES lists the views and their versions, and a view's offline table is"
              + " read as `<view>$offline` (newest version) or `<view>$v<major>$offline`";
      if (versions.isEmpty()) {
        throw new ValidationException(
            path.getFullName()
                + ": no feature view '"
                + name.view()
                + "' in namespace '"
                + ns
                + "'"
                + how);
      }
      List<String> readable =
          versions.stream()
              .filter(r -> r.view().status() != ViewStatus.RETIRED)
              .map(r -> "`" + OfflineViewTable.nameOf(r.view()) + "`")
              .distinct()
              .toList();
      throw new ValidationException(
          path.getFullName()
              + ": "
              + retiredOrMissing(ns, name)
              + (readable.isEmpty() ? "" : "; readable: " + String.join(", ", readable))
              + how);
    }
    return OfflineViewTable.of(record.get().view(), offline, path.getFullName());
  }

  /**
   * Why {@code name} resolves to no readable version: the registry's own words (the version does
   * not exist, or it is RETIRED and which version to move to). A retired major's offline Iceberg
   * table is kept (export manifests rebuild from it), so that case also names the table to read
   * directly in the offline catalog.
   */
  private String retiredOrMissing(String ns, PinnedTableName name) {
    try {
      registry().getView(ns, name.view(), name.versionRef());
    } catch (RegistryException e) {
      if (e.kind() != RegistryException.Kind.GONE) {
        return "feature view " + ns + "." + name.view() + ": " + e.getMessage();
      }
      String table;
      try {
        table =
            "`"
                + offline.get(OfflineOptions.CATALOG_NAME)
                + "`.`"
                + ns
                + "`.`"
                + name.view()
                + "_v"
                + Version.parse(name.versionRef()).major()
                + "`";
      } catch (RuntimeException notAVersion) {
        return "feature view " + ns + "." + name.view() + ": " + e.getMessage();
      }
      return "feature view "
          + ns
          + "."
          + name.view()
          + ": "
          + e.getMessage()
          + " (a retired version is not read through this catalog; its offline Iceberg table"
          + " is kept and reads directly as "
          + table
          + ")";
    }
    return "feature view "
        + ns
        + "."
        + name.view()
        + " has no readable version '"
        + name.versionRef()
        + "'";
  }

  /**
   * {@code FOR SYSTEM_TIME AS OF}: this catalog table is a view's definition, not its rows; the
   * rows and their history are the view's offline Iceberg table, which this catalog serves as
   * {@code view$v<major>$offline} and Iceberg reads as of a time. The error says how.
   */
  @Override
  public CatalogBaseTable getTable(ObjectPath path, long timestamp) throws TableNotExistException {
    ViewRecord record =
        resolve(path).orElseThrow(() -> new TableNotExistException(getName(), path));
    throw new ValidationException(
        "FOR SYSTEM_TIME AS OF on "
            + path.getFullName()
            + ": the registry catalog holds the view's definition, and its history is the view's"
            + " offline Iceberg table. Read that as of the time with an option instead: SELECT *"
            + " FROM `"
            + OfflineViewTable.nameOf(record.view())
            + "` /*+ OPTIONS('as-of-timestamp'='"
            // the instant, not its epoch millis: it shows which time the session's zone made of
            // the TIMESTAMP literal, and `$offline` reads ISO-8601 as well
            + java.time.Instant.ofEpochMilli(timestamp)
            + "') */ (an ISO-8601 time or epoch millis; or 'snapshot-id'; docs/time-travel.md)");
  }

  @Override
  public boolean tableExists(ObjectPath path) {
    Optional<String> offlineOf = OfflineViewTable.viewPart(path.getObjectName());
    if (offlineOf.isPresent()) {
      // honest: the view's Iceberg table exists only once its streaming job or a backfill wrote it
      return resolve(new ObjectPath(path.getDatabaseName(), offlineOf.get()))
          .map(r -> OfflineViewTable.exists(r.view(), offline))
          .orElse(false);
    }
    return resolve(path).isPresent();
  }

  @Override
  public void createTable(ObjectPath path, CatalogBaseTable table, boolean ignoreIfExists)
      throws TableAlreadyExistException {
    PinnedTableName name = parseForWrite(path);
    if (!name.isLatest() && !Version.isMajorOnly(name.versionRef())) {
      throw new ValidationException(
          "CREATE TABLE "
              + path.getFullName()
              + ": revisions are assigned by the registry; create `"
              + PinnedTableName.ofMajor(name.view(), Version.parse(name.versionRef()).major())
              + "` (a new major) or ALTER TABLE "
              + name.view()
              + " (a new revision)");
    }
    String ns = path.getDatabaseName();
    List<ViewRecord> versions = versionsOf(ns, name.view());
    boolean exists =
        name.isLatest()
            ? !versions.isEmpty()
            : versions.stream()
                .anyMatch(r -> r.version().major() == Version.parse(name.versionRef()).major());
    if (exists) {
      if (ignoreIfExists) {
        return;
      }
      throw new TableAlreadyExistException(getName(), path);
    }
    Map<String, String> options = new HashMap<>(table.getOptions());
    if (!name.isLatest()) {
      String requested = options.get(ViewTableOptions.VERSION);
      if (requested != null && !requested.trim().equalsIgnoreCase(name.versionRef())) {
        throw new ValidationException(
            "CREATE TABLE "
                + path.getFullName()
                + ": option 'quiver.version'='"
                + requested
                + "' disagrees with the table name; drop the option or make it '"
                + name.versionRef()
                + "'");
      }
      options.put(ViewTableOptions.VERSION, name.versionRef());
    }
    register(path, name.view(), resolved(path, table).copy(options), null);
  }

  @Override
  public void alterTable(ObjectPath path, CatalogBaseTable newTable, boolean ignoreIfNotExists)
      throws TableNotExistException {
    PinnedTableName name = parseForWrite(path);
    Optional<ViewRecord> current = resolve(path);
    if (current.isEmpty()) {
      if (ignoreIfNotExists) {
        return;
      }
      throw new TableNotExistException(getName(), path);
    }
    register(path, name.view(), resolved(path, newTable), current.get());
  }

  @Override
  public void dropTable(ObjectPath path, boolean ignoreIfNotExists) throws TableNotExistException {
    if (!tableExists(path)) {
      if (ignoreIfNotExists) {
        return;
      }
      throw new TableNotExistException(getName(), path);
    }
    if (OfflineViewTable.viewPart(path.getObjectName()).isPresent()) {
      throw new CatalogException(
          "DROP TABLE "
              + path.getFullName()
              + ": a view's offline table is read-only here; it is written by the view's streaming"
              + " job and backfills, and old snapshots leave through snapshot expiry");
    }
    PinnedTableName name = PinnedTableName.parse(path.getObjectName());
    throw new CatalogException(
        "DROP TABLE "
            + path.getFullName()
            + ": feature views are never dropped, their versions are deprecated and then retired"
            + " so that consumers get a warning first. Run: quiver deprecate "
            + path.getDatabaseName()
            + "."
            + name.view()
            + ":<version> --sunset <YYYY-MM-DD>, and later with --retire");
  }

  @Override
  public void renameTable(ObjectPath path, String newTableName, boolean ignoreIfNotExists) {
    throw new CatalogException(
        "ALTER TABLE ... RENAME is not supported: consumers reference feature views by name;"
            + " create a view under the new name and deprecate the old one");
  }

  // ---- helpers

  private void register(
      ObjectPath path, String viewName, ResolvedCatalogTable table, ViewRecord cur) {
    String ns = path.getDatabaseName();
    TableDefinitionReader reader = new TableDefinitionReader(registry(), ns, viewName, cur);
    SpecBundle bundle = reader.read(table); // every problem at once, in SQL words
    String what = (cur == null ? "CREATE TABLE " : "ALTER TABLE ") + path.getFullName();
    FeatureView view = bundle.views().get(0);
    // Flink's catalog API has no channel for warnings; they go to the log (and the registry keeps
    // reader warnings on the version, shown as 'quiver.warnings').
    reader.warnings().forEach(w -> LOG.warn("{}: {}", what, w));
    try {
      registry().apply(bundle, actor, false);
    } catch (RegistryException e) {
      if (e.kind() == RegistryException.Kind.BREAKING_CHANGE) {
        throw breakingChange(what, e, ns, view);
      }
      throw CatalogErrors.convert(e, what, view);
    } catch (RuntimeException e) {
      throw CatalogErrors.convert(e, what, view);
    }
    sessionNamespaces.remove(ns);
  }

  /**
   * A refused breaking change, with the fix in SQL terms (the registry's fix speaks of a spec's
   * {@code version:}). Without the registry's exception as cause: Flink's SQL client prints only
   * the root cause, and that would hide the statement and the SQL fix.
   */
  private ValidationException breakingChange(
      String what, RegistryException e, String ns, FeatureView view) {
    int major = view.version().major();
    int next =
        versionsOf(ns, view.name()).stream().mapToInt(r -> r.version().major()).max().orElse(major)
            + 1;
    return new ValidationException(
        what
            + ": "
            + e.getMessage()
            + "\nIn SQL: CREATE TABLE "
            + ns
            + ".`"
            + PinnedTableName.ofMajor(view.name(), next)
            + "` (...) WITH (...) with the whole new definition; `"
            + view.name()
            + "` then reads it, and `"
            + PinnedTableName.ofMajor(view.name(), major)
            + "` keeps major "
            + major
            + " for its consumers");
  }

  private static ResolvedCatalogTable resolved(ObjectPath path, CatalogBaseTable table) {
    if (table instanceof ResolvedCatalogTable t) {
      return t;
    }
    throw new ValidationException(
        path.getFullName() + ": only tables can be created in the Quiver catalog, not views");
  }

  private PinnedTableName parseForWrite(ObjectPath path) {
    try {
      return PinnedTableName.parse(path.getObjectName());
    } catch (IllegalArgumentException e) {
      throw new ValidationException(e.getMessage(), e);
    }
  }

  /** The version a table name stands for, if it exists and is not retired. */
  private Optional<ViewRecord> resolve(ObjectPath path) {
    PinnedTableName name;
    try {
      name = PinnedTableName.parse(path.getObjectName());
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    String ns = path.getDatabaseName();
    Optional<ViewRecord> found;
    try {
      found = registry().findView(ns, name.view(), name.versionRef());
      if (found.isEmpty() && name.isLatest()) {
        // No ACTIVE version (all deprecated): show the newest one that is still readable.
        found =
            versionsOf(ns, name.view()).stream()
                .filter(r -> r.view().status() != ViewStatus.RETIRED)
                .max(Comparator.comparing(ViewRecord::version));
      }
    } catch (RegistryException e) {
      if (e.kind() == RegistryException.Kind.GONE || e.kind() == RegistryException.Kind.NOT_FOUND) {
        return Optional.empty();
      }
      throw CatalogErrors.convert(e, "resolve " + path.getFullName(), null);
    }
    return found.filter(r -> r.view().status() != ViewStatus.RETIRED);
  }

  /** Every version of a view, oldest first; empty when the view does not exist. */
  private List<ViewRecord> versionsOf(String ns, String view) {
    try {
      return registry().versions(ns, view);
    } catch (RegistryException e) {
      if (e.kind() == RegistryException.Kind.NOT_FOUND) {
        return List.of();
      }
      throw CatalogErrors.convert(e, "list versions of " + ns + "." + view, null);
    }
  }

  private List<ViewRecord> viewsIn(String ns) {
    return call(
        () -> registry().listViews(new ViewQuery(ns, null, null, null, null, 100_000)),
        "list views of " + ns);
  }

  private static <T> T call(Supplier<T> op, String what) {
    try {
      return op.get();
    } catch (RegistryException e) {
      throw CatalogErrors.convert(e, what, null);
    }
  }
}
