package dev.quiver.core.registry.store;

import dev.quiver.core.registry.AuditEntry;
import dev.quiver.core.registry.SpecJson;
import dev.quiver.core.registry.ViewQuery;
import dev.quiver.core.registry.ViewRecord;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.FeatureRef;
import dev.quiver.core.spec.FeatureService;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.ViewStatus;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@link RegistryTransaction} over one JDBC connection. Namespaces, entities, sources, services and
 * the audit log live here; feature-view rows are in {@link JdbcViewRows}.
 */
final class JdbcRegistryTransaction implements RegistryTransaction {
  private final Sql sql;
  private final JdbcViewRows views;

  JdbcRegistryTransaction(Connection connection, boolean writable, SpecCache cache) {
    this.sql = new Sql(connection, writable);
    this.views = new JdbcViewRows(sql, cache);
  }

  /** Carries an SQLException through the functional interfaces of {@link RegistryStore}. */
  static final class UncheckedSql extends RuntimeException {
    UncheckedSql(SQLException cause) {
      super(cause);
    }

    @Override
    public synchronized SQLException getCause() {
      return (SQLException) super.getCause();
    }
  }

  // ---- heads and views: delegated ----

  @Override
  public long headSeq(String namespace, String name) {
    return sql.queryOne(
            "SELECT seq FROM view_heads WHERE namespace = ? AND name = ?",
            rs -> rs.getLong(1),
            namespace,
            name)
        .orElse(-1L);
  }

  @Override
  public boolean advanceHead(String namespace, String name, long expectedSeq, Instant at) {
    if (expectedSeq < 0) {
      if (headSeq(namespace, name) >= 0) {
        return false;
      }
      // A concurrent insert of the same head fails on the primary key: StoreConflictException.
      sql.update(
          "INSERT INTO view_heads (namespace, name, seq, updated_at) VALUES (?, ?, 1, ?)",
          namespace,
          name,
          Sql.ts(at));
      return true;
    }
    return sql.update(
            "UPDATE view_heads SET seq = seq + 1, updated_at = ?"
                + " WHERE namespace = ? AND name = ? AND seq = ?",
            Sql.ts(at),
            namespace,
            name,
            expectedSeq)
        == 1;
  }

  @Override
  public List<VersionInfo> versionInfos(String namespace, String name) {
    return views.versionInfos(namespace, name);
  }

  @Override
  public Optional<ViewRecord> view(String id) {
    return views.view(id);
  }

  @Override
  public List<ViewRecord> versions(String namespace, String name) {
    return views.versions(namespace, name);
  }

  @Override
  public List<ViewRecord> list(ViewQuery query) {
    return views.list(query);
  }

  @Override
  public List<String> viewNames(String namespace) {
    return sql.query(
        "SELECT name FROM view_heads WHERE namespace = ? ORDER BY name",
        rs -> rs.getString(1),
        namespace);
  }

  @Override
  public void insertView(ViewRecord record) {
    views.insert(record);
  }

  @Override
  public int updateStatus(
      String namespace, String name, int major, ViewStatus status, Instant sunset) {
    return sql.update(
        "UPDATE feature_views SET status = ?, sunset_at = ?"
            + " WHERE namespace = ? AND name = ? AND major = ?",
        status.name(),
        Sql.tsOrNull(sunset),
        namespace,
        name,
        major);
  }

  @Override
  public List<String> upstream(String viewId) {
    return sql.query(
        "SELECT upstream_name FROM lineage WHERE view_id = ? ORDER BY ordinal",
        rs -> rs.getString(1),
        viewId);
  }

  @Override
  public List<String> consumers(String namespace, String viewName) {
    return sql.query(
        "SELECT DISTINCT s.namespace, s.name FROM feature_service_refs r"
            + " JOIN feature_services s ON s.id = r.service_id"
            + " WHERE r.view_namespace = ? AND r.view_name = ? ORDER BY s.namespace, s.name",
        rs -> rs.getString(1) + "." + rs.getString(2),
        namespace,
        viewName);
  }

  // ---- namespaces ----

  @Override
  public List<String> namespaces() {
    return sql.query("SELECT name FROM namespaces ORDER BY name", rs -> rs.getString(1));
  }

  @Override
  public void ensureNamespace(String namespace, Instant at) {
    if (sql.queryOne("SELECT name FROM namespaces WHERE name = ?", rs -> rs.getString(1), namespace)
        .isEmpty()) {
      sql.update("INSERT INTO namespaces (name, created_at) VALUES (?, ?)", namespace, Sql.ts(at));
    }
  }

  /** One spec by name from a table of specs ({@code table} is one of this class's constants). */
  private <T> Optional<T> specByName(
      String table, Function<String, T> reader, String namespace, String name) {
    return sql.queryOne(
        "SELECT spec FROM " + table + " WHERE namespace = ? AND name = ?",
        rs -> reader.apply(rs.getString(1)),
        namespace,
        name);
  }

  /** Every spec of a table in one namespace (all namespaces when null), ordered by name. */
  private <T> List<T> specsIn(String table, Function<String, T> reader, String namespace) {
    if (namespace == null) {
      return sql.query(
          "SELECT spec FROM " + table + " ORDER BY namespace, name",
          rs -> reader.apply(rs.getString(1)));
    }
    return sql.query(
        "SELECT spec FROM " + table + " WHERE namespace = ? ORDER BY name",
        rs -> reader.apply(rs.getString(1)),
        namespace);
  }

  /**
   * Updates the row named {@code namespace.name} of {@code table} (its {@code columns}, {@code
   * updated_at} and {@code updated_by}), or inserts it with a new id when there is none. Table and
   * column names are fixed strings of this class, never input.
   *
   * @return the row's id
   */
  private String upsertByName(
      String table,
      String namespace,
      String name,
      Map<String, Object> columns,
      String actor,
      Instant at) {
    List<Object> args = new ArrayList<>(columns.values());
    args.addAll(Arrays.asList(Sql.ts(at), actor, namespace, name)); // actor may be null
    int n =
        sql.update(
            "UPDATE "
                + table
                + " SET "
                + columns.keySet().stream().map(c -> c + " = ?").collect(Collectors.joining(", "))
                + ", updated_at = ?, updated_by = ? WHERE namespace = ? AND name = ?",
            args.toArray());
    if (n > 0) {
      return sql.queryOne(
              "SELECT id FROM " + table + " WHERE namespace = ? AND name = ?",
              rs -> rs.getString(1),
              namespace,
              name)
          .orElseThrow();
    }
    String id = UUID.randomUUID().toString();
    List<Object> insert = new ArrayList<>(Arrays.asList(id, namespace, name));
    insert.addAll(columns.values());
    insert.addAll(Arrays.asList(Sql.ts(at), Sql.ts(at), actor));
    sql.update(
        "INSERT INTO "
            + table
            + " (id, namespace, name, "
            + String.join(", ", columns.keySet())
            + ", created_at, updated_at, updated_by) VALUES ("
            + String.join(", ", java.util.Collections.nCopies(insert.size(), "?"))
            + ")",
        insert.toArray());
    return id;
  }

  // ---- entities ----

  @Override
  public Optional<Entity> entity(String namespace, String name) {
    return specByName("entities", SpecJson::readEntity, namespace, name);
  }

  @Override
  public List<Entity> entities(String namespace) {
    return specsIn("entities", SpecJson::readEntity, namespace);
  }

  @Override
  public void putEntity(Entity e, String actor, Instant at) {
    Map<String, Object> columns = new LinkedHashMap<>();
    columns.put("join_keys", SpecJson.write(e.joinKeys()));
    columns.put("description", e.description());
    columns.put("owner", e.owner());
    columns.put("spec", SpecJson.write(e));
    upsertByName("entities", e.namespace(), e.name(), columns, actor, at);
  }

  // ---- sources ----

  @Override
  public Optional<Source> source(String namespace, String name) {
    return specByName("sources", SpecJson::readSource, namespace, name);
  }

  @Override
  public void putSource(Source s, String actor, Instant at) {
    Map<String, Object> columns = new LinkedHashMap<>();
    columns.put("kind", s.kind());
    columns.put("event_time_field", s.eventTimeField());
    columns.put("spec", SpecJson.write(s));
    columns.put("spec_checksum", SpecJson.checksum(s));
    upsertByName("sources", s.namespace(), s.name(), columns, actor, at);
  }

  // ---- feature services ----

  @Override
  public Optional<FeatureService> service(String namespace, String name) {
    return specByName("feature_services", SpecJson::readService, namespace, name);
  }

  @Override
  public List<FeatureService> services(String namespace) {
    return specsIn("feature_services", SpecJson::readService, namespace);
  }

  @Override
  public void putService(FeatureService s, String actor, Instant at) {
    Map<String, Object> columns = new LinkedHashMap<>();
    columns.put("owner", s.owner());
    columns.put("description", s.description());
    columns.put("spec", SpecJson.write(s));
    String id = upsertByName("feature_services", s.namespace(), s.name(), columns, actor, at);
    sql.update("DELETE FROM feature_service_refs WHERE service_id = ?", id);
    int i = 0;
    for (FeatureRef ref : s.features()) {
      if (ref.view() == null) {
        throw new IllegalArgumentException(
            "feature service " + s.name() + ": reference '" + ref + "' does not name its view");
      }
      sql.update(
          "INSERT INTO feature_service_refs (service_id, ordinal, view_namespace, view_name,"
              + " version_ref, feature) VALUES (?, ?, ?, ?, ?, ?)",
          id,
          i++,
          s.namespace(),
          ref.view(),
          ref.version(),
          ref.feature());
    }
  }

  // ---- audit ----

  @Override
  public void appendAudit(AuditEntry a) {
    sql.update(
        "INSERT INTO audit_log (occurred_at, actor, action, object_kind, namespace, name, version,"
            + " detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        Sql.ts(a.at()),
        a.actor() == null ? "" : a.actor(),
        a.action(),
        a.objectKind(),
        a.namespace(),
        a.name(),
        a.version(),
        a.detail() == null ? "{}" : a.detail());
  }

  @Override
  public List<AuditEntry> audit(String namespace, String name, int limit) {
    StringBuilder q =
        new StringBuilder(
            "SELECT occurred_at, actor, action, object_kind, namespace, name, version, detail"
                + " FROM audit_log WHERE 1 = 1");
    List<Object> args = new ArrayList<>();
    if (namespace != null) {
      q.append(" AND namespace = ?");
      args.add(namespace);
    }
    if (name != null) {
      q.append(" AND name = ?");
      args.add(name);
    }
    q.append(" ORDER BY id DESC LIMIT ?");
    args.add(Math.max(0, limit));
    return sql.query(
        q.toString(),
        rs ->
            new AuditEntry(
                Sql.instant(rs, 1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getString(5),
                rs.getString(6),
                rs.getString(7),
                rs.getString(8)),
        args.toArray());
  }
}
