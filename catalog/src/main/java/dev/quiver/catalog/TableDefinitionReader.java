package dev.quiver.catalog;

import static dev.quiver.catalog.ViewTableOptions.*;

import dev.quiver.core.registry.FeatureRegistry;
import dev.quiver.core.registry.FeatureRegistry.SpecBundle;
import dev.quiver.core.registry.ViewRecord;
import dev.quiver.core.spec.Durations;
import dev.quiver.core.spec.Entity;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.Suggestions;
import dev.quiver.core.spec.Transformation;
import dev.quiver.core.spec.Version;
import dev.quiver.core.spec.ViewStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedCatalogTable;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.catalog.UniqueConstraint;

/**
 * Reads a {@code CREATE TABLE} / {@code ALTER TABLE} definition into the specs it registers: the
 * feature view (and, when the view names one entity that the registry does not know yet, that
 * entity with the primary-key columns as its join keys). Every problem in the definition is
 * reported at once, the reader's own and the spec validator's (the rules a YAML spec gets), each
 * naming the column or option as the statement wrote it, what is wrong and the fix.
 */
final class TableDefinitionReader {
  /** The transformation language of SQL given through {@code quiver.transformation}. */
  static final String SQL_LANGUAGE = "flink";

  private final FeatureRegistry registry;
  private final String namespace;
  private final String viewName;
  private final ViewRecord current;
  private final List<String> problems = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();
  private String hint = "";

  /**
   * @param current the version being altered, or null for {@code CREATE TABLE}
   */
  TableDefinitionReader(
      FeatureRegistry registry, String namespace, String viewName, ViewRecord current) {
    this.registry = registry;
    this.namespace = namespace;
    this.viewName = viewName;
    this.current = current;
  }

  /**
   * @throws ValidationException listing every problem found
   */
  SpecBundle read(ResolvedCatalogTable table) {
    Map<String, String> options = new TreeMap<>(table.getOptions());
    dropUnchangedReadOnly(options);
    ResolvedSchema schema = table.getResolvedSchema();
    checkShape(table, schema);
    List<String> pk = schema.getPrimaryKey().map(UniqueConstraint::getColumns).orElse(List.of());
    if (pk.isEmpty()) {
      problems.add(
          "PRIMARY KEY: missing; declare the entity join keys, e.g. PRIMARY KEY (user_id) NOT"
              + " ENFORCED");
    }
    checkOptionKeys(options, schema);

    List<String> entityNames = entityNames(options.get(ENTITIES));
    List<Entity> newEntities =
        new PrimaryKeyEntities(registry, namespace, problems).entities(entityNames, pk, schema);
    List<Feature> features = features(schema, pk, options);
    FeatureView.Builder b =
        FeatureView.builder(viewName)
            .namespace(namespace)
            .entities(entityNames)
            .features(features)
            .owner(options.getOrDefault(OWNER, ""))
            .description(table.getComment() == null ? "" : table.getComment())
            .tags(prefixed(options, TAGS_PREFIX));
    b.version(version(options.get(VERSION)));
    b.status(status(options.get(STATUS)));
    // a missing or invalid ttl (reported) stands in as a long one, so the other rules still run
    b.ttl(positiveTtl(duration(options, TTL, true)).orElse(MISSING_TTL));
    if (entityNames.isEmpty()) {
      // reported; the rules' problems with it are left out (TableDefinitionRules)
      b.entities(List.of(TableDefinitionRules.MISSING_ENTITY));
    }
    duration(options, SLA_FRESHNESS, false).ifPresent(b::slaFreshness);
    duration(options, ALLOWED_LATENESS, false).ifPresent(b::allowedLateness);
    duration(options, TILE_SIZE, false).ifPresent(b::tileSize);
    duration(options, AVAILABILITY_DELAY, false).ifPresent(b::availabilityDelay);
    bool(options, ONLINE).ifPresent(b::online);
    bool(options, OFFLINE).ifPresent(b::offline);
    source(options.get(SOURCE)).ifPresent(b::source);
    b.transformations(transformations(options));
    FeatureView view = null;
    if (features.isEmpty()) {
      if (problems.isEmpty()) {
        problems.add(
            "columns: no feature column (expected: at least one besides the PRIMARY KEY and"
                + " event_time), e.g. amount DOUBLE, or txn_count_1h BIGINT with"
                + " 'quiver.feature.txn_count_1h.aggregation'='count(*) over 1h'");
      }
    } else {
      view = b.build();
      TableDefinitionRules.Found found =
          TableDefinitionRules.check(registry, namespace, view, newEntities, problems);
      problems.addAll(found.errors());
      warnings.addAll(found.warnings());
      if (!found.errors().isEmpty() && current != null && hasNewFeature(view)) {
        hint = "\n  " + addFeatureHint(namespace, viewName);
      }
    }
    if (!problems.isEmpty()) {
      throw new ValidationException(render(problems) + hint);
    }
    return new SpecBundle(newEntities, List.of(), List.of(view), List.of());
  }

  /** Stands in for a missing or invalid ttl (already reported) so that the other rules run. */
  private static final Duration MISSING_TTL = Duration.ofDays(365L * 1000);

  private boolean hasNewFeature(FeatureView view) {
    return view.features().stream()
        .anyMatch(
            f -> current.view().features().stream().noneMatch(c -> c.name().equals(f.name())));
  }

  /** The validator's warnings, in SQL words (after {@link #read}). */
  List<String> warnings() {
    return List.copyOf(warnings);
  }

  private Optional<Duration> positiveTtl(Optional<Duration> ttl) {
    if (ttl.isPresent() && (ttl.get().isZero() || ttl.get().isNegative())) {
      problems.add(
          "option '"
              + TTL
              + "': '"
              + Durations.format(ttl.get())
              + "' (expected: > 0); how long a feature value stays valid, e.g. '7d'");
      return Optional.empty();
    }
    return ttl;
  }

  /**
   * How to add a computed or aggregated feature to an existing view: Flink's {@code ALTER TABLE ...
   * ADD} has no options, and {@code SET} cannot name a column that is not there yet.
   */
  static String addFeatureHint(String namespace, String view) {
    return "to add a feature that is not a source column of the same name: ALTER TABLE ... ADD"
        + " takes no 'quiver.feature.<column>.*' options and SET cannot name a column that is not"
        + " there yet, so add it to the spec: quiver describe "
        + namespace
        + "."
        + view
        + " -o yaml > "
        + view
        + ".yaml, add the feature, quiver apply "
        + view
        + ".yaml (a compatible revision); or create a new major with CREATE TABLE `"
        + view
        + "$v<N>`";
  }

  String render(List<String> list) {
    StringBuilder sb =
        new StringBuilder("Invalid feature view ")
            .append(namespace)
            .append('.')
            .append(viewName)
            .append(" (")
            .append(list.size())
            .append(list.size() == 1 ? " problem):" : " problems):");
    list.forEach(p -> sb.append("\n  ").append(p));
    return sb.toString();
  }

  private void dropUnchangedReadOnly(Map<String, String> options) {
    for (String key : READ_ONLY) {
      String value = options.get(key);
      if (value == null) {
        continue;
      }
      String now = current == null ? null : ViewTableMapper.options(current).get(key);
      if (value.equals(now)) {
        options.remove(key);
      } else {
        problems.add("option '" + key + "': set by the registry, not by you; remove it");
        options.remove(key);
      }
    }
  }

  private void checkShape(ResolvedCatalogTable table, ResolvedSchema schema) {
    if (table.isPartitioned()) {
      problems.add(
          "PARTITIONED BY: feature view tables are not partitioned (the offline table is"
              + " partitioned by day of event_time); remove it");
    }
    if (!schema.getWatermarkSpecs().isEmpty()) {
      problems.add(
          "WATERMARK: the watermark comes from the source's watermark delay and"
              + " 'quiver.allowed-lateness'; remove it");
    }
    for (Column c : schema.getColumns()) {
      if (c instanceof Column.ComputedColumn) {
        problems.add(
            "column '"
                + c.getName()
                + "': computed columns are not supported; declare '"
                + c.getName()
                + "' with its type and put the expression in option '"
                + FEATURE_PREFIX
                + c.getName()
                + "."
                + EXPRESSION
                + "'");
      } else if (c instanceof Column.MetadataColumn) {
        problems.add("column '" + c.getName() + "': metadata columns are not supported; remove it");
      }
    }
  }

  private void checkOptionKeys(Map<String, String> options, ResolvedSchema schema) {
    List<String> columns = schema.getColumnNames();
    for (Map.Entry<String, String> e : options.entrySet()) {
      String key = e.getKey();
      if (key.equals(CONNECTOR)) {
        if (!CONNECTOR_VALUE.equals(e.getValue())) {
          problems.add(
              "option 'connector': '"
                  + e.getValue()
                  + "' (expected: 'quiver', or leave it out); tables in this catalog are feature"
                  + " views");
        }
      } else if (SETTABLE.contains(key)
          || key.startsWith(TAGS_PREFIX)
          || key.matches("quiver\\.transformation\\.\\d+")) {
        continue;
      } else if (key.startsWith(FEATURE_PREFIX)) {
        String rest = key.substring(FEATURE_PREFIX.length());
        int dot = rest.indexOf('.');
        String column = dot < 0 ? rest : rest.substring(0, dot);
        String attr = dot < 0 ? "" : rest.substring(dot + 1);
        if (!columns.contains(column)
            && current != null
            && e.getValue().equals(ViewTableMapper.options(current).get(key))) {
          // ALTER TABLE ... DROP column: Flink keeps the dropped column's options; the column and
          // its feature are gone (a removal, which the compatibility check judges)
          continue;
        } else if (!columns.contains(column)) {
          problems.add(
              "option '"
                  + key
                  + "': no column '"
                  + column
                  + "'"
                  + Suggestions.didYouMeanQuoted(column, columns)
                  + "; columns: "
                  + String.join(", ", columns)
                  + (current == null ? "" : "\n  " + addFeatureHint(namespace, viewName)));
        } else if (!attr.equals(EXPRESSION)
            && !attr.equals(AGGREGATION)
            && !attr.startsWith("tags.")) {
          problems.add(
              "option '"
                  + key
                  + "': unknown feature attribute '"
                  + attr
                  + "'; use "
                  + FEATURE_PREFIX
                  + column
                  + ".expression, .aggregation or .tags.<key>");
        }
      } else {
        List<String> known = new ArrayList<>(SETTABLE);
        known.add(TAGS_PREFIX + "<key>");
        known.add(FEATURE_PREFIX + "<column>.expression|aggregation|tags.<key>");
        problems.add(
            "option '"
                + key
                + "': unknown option"
                + Suggestions.didYouMeanQuoted(key, SETTABLE)
                + "; options: "
                + String.join(", ", known));
      }
    }
  }

  private List<String> entityNames(String text) {
    if (text == null || text.isBlank()) {
      problems.add(
          "option '"
              + ENTITIES
              + "': missing; name the entities the primary key identifies, e.g."
              + " 'quiver.entities'='user'");
      return List.of();
    }
    return List.of(text.trim().split("\\s*,\\s*"));
  }

  private List<Feature> features(ResolvedSchema schema, List<String> pk, Map<String, String> o) {
    List<Feature> features = new ArrayList<>();
    for (Column c : schema.getColumns()) {
      if (!c.isPhysical() || pk.contains(c.getName())) {
        continue;
      }
      FeatureType type = FlinkTypes.toFeatureType(c.getDataType().getLogicalType());
      if (c.getName().equals(EVENT_TIME_COLUMN)) {
        if (type == null || !type.equals(FeatureType.TIMESTAMP)) {
          problems.add(
              "column 'event_time': "
                  + c.getDataType()
                  + " (expected: TIMESTAMP_LTZ(3)); it is the event time of every feature row");
        }
        continue;
      }
      if (type == null) {
        problems.add(FlinkTypes.unsupported(c));
        continue;
      }
      String p = FEATURE_PREFIX + c.getName() + ".";
      dev.quiver.core.spec.Aggregation agg = null;
      if (o.containsKey(p + AGGREGATION)) {
        try {
          agg = AggregationText.parse(o.get(p + AGGREGATION));
        } catch (IllegalArgumentException e) {
          problems.add("option '" + p + AGGREGATION + "': " + e.getMessage());
        }
      }
      features.add(
          new Feature(
              c.getName(),
              type,
              c.getComment().orElse(""),
              o.get(p + EXPRESSION),
              agg,
              prefixed(o, p + "tags.")));
    }
    return features;
  }

  private Version version(String text) {
    if (text == null) {
      return current == null ? Version.of(1) : Version.of(current.version().major());
    }
    Version v;
    try {
      v = Version.parse(text);
    } catch (IllegalArgumentException e) {
      problems.add("option '" + VERSION + "': '" + text + "' is not a version; use e.g. 'v1'");
      return Version.of(1);
    }
    if (v.revision() != 0 || text.contains(".")) {
      boolean staleAlter =
          current != null && v.major() == current.version().major() && !v.equals(current.version());
      if (current == null) {
        problems.add(
            "option '"
                + VERSION
                + "': '"
                + text
                + "' names a revision; revisions are assigned by the registry, write 'v"
                + v.major()
                + "'");
      } else if (staleAlter) {
        problems.add(
            "option '"
                + VERSION
                + "': this ALTER is based on "
                + text
                + " but the view is now at "
                + current.version()
                + "; re-run it on the current table");
      }
    }
    return Version.of(v.major());
  }

  private ViewStatus status(String text) {
    ViewStatus now = current == null ? ViewStatus.ACTIVE : current.view().status();
    if (text == null) {
      return current == null ? ViewStatus.ACTIVE : now;
    }
    ViewStatus s;
    try {
      s = ViewStatus.valueOf(text.trim().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      problems.add(
          "option '" + STATUS + "': '" + text + "' (expected: DRAFT or ACTIVE for a new version)");
      return now;
    }
    if (current != null && s != now
        || current == null && s != ViewStatus.ACTIVE && s != ViewStatus.DRAFT) {
      problems.add(
          "option '"
              + STATUS
              + "': '"
              + text
              + "' cannot be set here; new versions are DRAFT or ACTIVE, and the lifecycle moves"
              + " with `quiver deprecate "
              + namespace
              + "."
              + viewName
              + ":<version> [--retire]`");
    }
    return s;
  }

  private Optional<Duration> duration(Map<String, String> o, String key, boolean required) {
    String text = o.get(key);
    if (text == null) {
      if (required && current == null) {
        problems.add(
            "option '" + key + "': missing; how long a feature value stays valid, e.g. '7d'");
      }
      return required && current != null ? Optional.of(current.view().ttl()) : Optional.empty();
    }
    Optional<Duration> d = Durations.parse(text);
    if (d.isEmpty()) {
      problems.add(
          "option '"
              + key
              + "': '"
              + text
              + "' is not a duration; use e.g. 500ms, 30s, 5m, 1h, 7d");
    }
    return d;
  }

  private Optional<Boolean> bool(Map<String, String> o, String key) {
    String text = o.get(key);
    if (text == null) {
      return Optional.empty();
    }
    if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
      problems.add("option '" + key + "': '" + text + "' (expected: true or false)");
      return Optional.empty();
    }
    return Optional.of(Boolean.parseBoolean(text));
  }

  private Optional<Source> source(String name) {
    if (name == null) {
      return Optional.empty();
    }
    Optional<Source> s = registry.getSource(namespace, name);
    if (s.isEmpty()) {
      problems.add(
          "option '"
              + SOURCE
              + "': no source '"
              + name
              + "' in namespace "
              + namespace
              + "; apply the source spec first (quiver apply sources.yaml)");
    }
    return s;
  }

  private static List<Transformation> transformations(Map<String, String> o) {
    List<Transformation> list = new ArrayList<>();
    if (o.containsKey(TRANSFORMATION)) {
      list.add(new Transformation(SQL_LANGUAGE, o.get(TRANSFORMATION)));
    }
    for (int i = 2; o.containsKey(TRANSFORMATION + "." + i); i++) {
      list.add(new Transformation(SQL_LANGUAGE, o.get(TRANSFORMATION + "." + i)));
    }
    return list;
  }

  private static Map<String, String> prefixed(Map<String, String> o, String prefix) {
    Map<String, String> m = new LinkedHashMap<>();
    o.forEach(
        (k, v) -> {
          if (k.startsWith(prefix)) {
            m.put(k.substring(prefix.length()), v);
          }
        });
    return m;
  }
}
