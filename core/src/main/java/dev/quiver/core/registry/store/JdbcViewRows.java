package dev.quiver.core.registry.store;

import dev.quiver.core.registry.SpecJson;
import dev.quiver.core.registry.ViewQuery;
import dev.quiver.core.registry.ViewRecord;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.Transformation;
import dev.quiver.core.spec.Version;
import dev.quiver.core.spec.ViewStatus;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * SQL for feature-view versions and their child rows (features, tags, transformations, lineage).
 */
final class JdbcViewRows {
  private static final String COLUMNS =
      "fv.id, fv.major, fv.revision, fv.status, fv.sunset_at, fv.spec_checksum, fv.created_at,"
          + " fv.created_by";

  private final Sql sql;
  private final SpecCache cache;

  JdbcViewRows(Sql sql, SpecCache cache) {
    this.sql = sql;
    this.cache = cache;
  }

  List<VersionInfo> versionInfos(String namespace, String name) {
    return sql.query(
        "SELECT "
            + COLUMNS
            + " FROM feature_views fv WHERE fv.namespace = ? AND fv.name = ?"
            + " ORDER BY fv.major, fv.revision",
        JdbcViewRows::info,
        namespace,
        name);
  }

  Optional<ViewRecord> view(String id) {
    List<VersionInfo> info =
        sql.query(
            "SELECT " + COLUMNS + " FROM feature_views fv WHERE fv.id = ?", JdbcViewRows::info, id);
    return records(info).stream().findFirst();
  }

  List<ViewRecord> versions(String namespace, String name) {
    return records(versionInfos(namespace, name));
  }

  /**
   * Records for version rows: the spec of a version id never changes once written, so decoded specs
   * come from the shared {@link SpecCache} and only misses are read (one query per 500). Status and
   * sunset, which do change, always come from the rows just read.
   */
  private List<ViewRecord> records(List<VersionInfo> infos) {
    Map<String, FeatureView> specs = new HashMap<>();
    List<String> missing = new ArrayList<>();
    for (VersionInfo i : infos) {
      FeatureView cached = cache.get(i.id());
      if (cached != null) {
        specs.put(i.id(), cached);
      } else {
        missing.add(i.id());
      }
    }
    for (int from = 0; from < missing.size(); from += 500) {
      List<String> chunk = missing.subList(from, Math.min(missing.size(), from + 500));
      String marks = String.join(", ", java.util.Collections.nCopies(chunk.size(), "?"));
      for (Map.Entry<String, FeatureView> e :
          sql.query(
              "SELECT id, spec FROM feature_views WHERE id IN (" + marks + ")",
              rs -> Map.entry(rs.getString(1), SpecJson.readView(rs.getString(2))),
              chunk.toArray())) {
        cache.put(e.getKey(), e.getValue());
        specs.put(e.getKey(), e.getValue());
      }
    }
    List<ViewRecord> out = new ArrayList<>(infos.size());
    for (VersionInfo i : infos) {
      // The stored JSON carries the version and the status it was written with; the columns are
      // authoritative (status changes), and copying only when they differ keeps lists cheap.
      FeatureView view = specs.get(i.id());
      if (view.version().major() != i.version().major()
          || view.version().revision() != i.version().revision()) {
        view = view.withVersion(i.version());
      }
      if (view.status() != i.status()) {
        view = view.withStatus(i.status());
      }
      out.add(
          new ViewRecord(
              i.id(),
              view,
              i.createdAt(),
              i.createdBy(),
              i.sunsetAt(),
              i.specChecksum(),
              List.of()));
    }
    return List.copyOf(out);
  }

  List<ViewRecord> list(ViewQuery q) {
    List<Object> args = new ArrayList<>();
    String statusOf;
    if (q.status() == null) {
      statusOf = " %s.status <> 'RETIRED'";
    } else {
      statusOf = " %s.status = ?";
    }
    StringBuilder s = new StringBuilder("SELECT " + COLUMNS + " FROM feature_views fv");
    s.append(" WHERE").append(String.format(statusOf, "fv"));
    if (q.status() != null) {
      args.add(q.status().name());
    }
    if (q.namespace() != null) {
      s.append(" AND fv.namespace = ?");
      args.add(q.namespace());
    }
    // Newest candidate per name: no candidate of the same view with a higher (major, revision).
    s.append(" AND NOT EXISTS (SELECT 1 FROM feature_views n WHERE n.namespace = fv.namespace")
        .append(" AND n.name = fv.name AND")
        .append(String.format(statusOf, "n"))
        .append(" AND (n.major > fv.major OR (n.major = fv.major AND n.revision > fv.revision)))");
    if (q.status() != null) {
      args.add(q.status().name());
    }
    if (q.owner() != null && !q.owner().isBlank()) {
      s.append(" AND LOWER(fv.owner) = ?");
      args.add(q.owner().trim().toLowerCase(Locale.ROOT));
    }
    if (q.tag() != null && !q.tag().isBlank()) {
      String tag = q.tag().trim();
      int eq = tag.indexOf('=');
      s.append(" AND EXISTS (SELECT 1 FROM view_tags t WHERE t.view_id = fv.id AND t.tag_key = ?");
      if (eq >= 0) {
        args.add(tag.substring(0, eq).trim());
        s.append(" AND t.tag_value = ?");
        args.add(tag.substring(eq + 1).trim());
      } else {
        args.add(tag);
      }
      s.append(")");
    }
    if (q.text() != null && !q.text().isBlank()) {
      s.append(" AND fv.search_text LIKE ? ESCAPE '!'");
      args.add("%" + likeEscape(q.text().trim().toLowerCase(Locale.ROOT)) + "%");
    }
    s.append(" ORDER BY fv.namespace, fv.name LIMIT ?");
    args.add(q.limit() <= 0 ? Integer.MAX_VALUE : q.limit());
    return records(sql.query(s.toString(), JdbcViewRows::info, args.toArray()));
  }

  void insert(ViewRecord r) {
    FeatureView v = r.view();
    String id = r.id();
    sql.update(
        "INSERT INTO feature_views (id, namespace, name, major, revision, status, owner,"
            + " description, tags, search_text, spec, spec_checksum, sunset_at, created_at,"
            + " created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        id,
        v.namespace(),
        v.name(),
        v.version().major(),
        v.version().revision(),
        v.status().name(),
        v.owner(),
        v.description(),
        SpecJson.write(v.tags()),
        searchText(v),
        SpecJson.write(v),
        r.specChecksum(),
        Sql.tsOrNull(r.sunsetAt()),
        Sql.ts(r.createdAt()),
        r.createdBy());
    List<Object[]> features = new ArrayList<>();
    int i = 0;
    for (Feature f : v.features()) {
      features.add(
          new Object[] {
            id,
            i++,
            f.name(),
            f.dtype().toString(),
            f.description(),
            f.expression(),
            f.aggregation() == null ? null : SpecJson.write(f.aggregation())
          });
    }
    sql.batch(
        "INSERT INTO features (view_id, ordinal, name, dtype, description, expression,"
            + " aggregation) VALUES (?, ?, ?, ?, ?, ?, ?)",
        features);
    sql.batch(
        "INSERT INTO view_tags (view_id, tag_key, tag_value) VALUES (?, ?, ?)",
        v.tags().entrySet().stream()
            .map(e -> new Object[] {id, e.getKey(), e.getValue()})
            .toList());
    List<Object[]> code = new ArrayList<>();
    i = 0;
    for (Transformation t : v.transformations()) {
      code.add(new Object[] {id, i++, t.language(), t.code(), t.checksum()});
    }
    sql.batch(
        "INSERT INTO transformations (view_id, ordinal, language, code, checksum)"
            + " VALUES (?, ?, ?, ?, ?)",
        code);
    Source src = v.source();
    if (src != null) {
      Map<String, String> detail = new LinkedHashMap<>();
      detail.put("kind", src.kind());
      for (String key : List.of("topic", "format", "table", "path")) {
        if (src.option(key) != null) {
          detail.put(key, src.option(key));
        }
      }
      sql.update(
          "INSERT INTO lineage (view_id, ordinal, upstream_kind, upstream_name, detail, created_at)"
              + " VALUES (?, 0, 'source', ?, ?, ?)",
          id,
          src.namespace() + "." + src.name(),
          SpecJson.write(detail),
          Sql.ts(r.createdAt()));
    }
  }

  private static String searchText(FeatureView v) {
    return (v.name()
            + " "
            + v.description()
            + " "
            + v.features().stream().map(Feature::name).collect(Collectors.joining(" ")))
        .toLowerCase(Locale.ROOT);
  }

  private static String likeEscape(String text) {
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_");
  }

  private static VersionInfo info(ResultSet rs) throws SQLException {
    return new VersionInfo(
        rs.getString(1),
        new Version(rs.getInt(2), rs.getInt(3)),
        ViewStatus.valueOf(rs.getString(4)),
        Sql.instant(rs, 5),
        rs.getString(6),
        Sql.instant(rs, 7),
        rs.getString(8));
  }
}
