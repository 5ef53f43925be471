package dev.quiver.jobs.plan;

import dev.quiver.core.spec.Aggregation;
import dev.quiver.core.spec.Feature;
import dev.quiver.core.spec.FeatureType;
import dev.quiver.core.spec.FeatureView;
import dev.quiver.core.spec.JoinKey;
import dev.quiver.core.spec.Source;
import dev.quiver.core.spec.SourceField;
import dev.quiver.core.tile.TileAggregators;
import dev.quiver.core.tile.Tiling;
import dev.quiver.jobs.ingest.EventSchema;
import dev.quiver.jobs.sink.SinkViewSpec;
import dev.quiver.udfs.TileStateAggregate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Generates the Flink SQL that materializes a feature view: dedup on the source's dedup key, the
 * view's projection (row features and aggregation inputs), tiles of partial aggregate states per
 * (entity, tile) as an upsert stream, and the sinks (online rows, online tiles, the Iceberg table).
 * Pure text generation: nothing here touches Flink, so {@code quiver plan} is instant.
 */
public final class JobPlanner {
  public static final String EVENTS = "events";
  public static final String PROJECTED = "projected";
  public static final String ONLINE_ROWS = "online_rows";
  public static final String ONLINE_TILES = "online_tiles";
  public static final String TILE_START = "_tile_start";
  public static final String TILE_RES = "_tile_res";
  public static final String MAX_EVENT_MS = "_max_event_ms";
  public static final String TILE_FUNCTION = "QUIVER_TILE";

  /** The Iceberg column naming (kept equal to the offline module's layout). */
  public static final String OFFLINE_EVENT_TIME = dev.quiver.offline.OfflineTables.EVENT_TIME;

  public static final String OFFLINE_INPUT_PREFIX = dev.quiver.offline.OfflineTables.INPUT_PREFIX;

  private final PlannerSettings settings;

  public JobPlanner(PlannerSettings settings) {
    this.settings = settings;
  }

  /**
   * Plans {@code view}, whose entities have the join keys {@code keys} (in order).
   *
   * @throws IllegalArgumentException when the view cannot be materialized (no source, a key or
   *     aggregated column missing from the source), naming the field and the fix
   */
  public MaterializationPlan plan(FeatureView view, List<JoinKey> keys) {
    Source source = view.source();
    if (source == null) {
      throw new IllegalArgumentException(
          "source: view " + view.qualifiedName() + " has none (expected: a source to read from)");
    }
    List<String> keyNames = keys.stream().map(JoinKey::name).toList();
    EventSchema events =
        new EventSchema(source.schema(), source.eventTimeField(), keyNames, source.dedupKey());
    Map<String, FeatureType> inputs = aggregationInputs(view, source);

    List<String> setup = new ArrayList<>();
    List<String> views = new ArrayList<>();
    List<String> inserts = new ArrayList<>();

    views.add(
        view.transformations().isEmpty()
            ? projectedView(view, keys, inputs)
            : transformedView(view, keys, inputs));

    List<Feature> rowFeatures = view.features().stream().filter(f -> !f.isAggregation()).toList();
    Map<String, Feature> series = series(view);
    if (view.online() && settings.online()) {
      if (!rowFeatures.isEmpty()) {
        setup.add(onlineRowsTable(view, keys, rowFeatures));
        inserts.add(
            "INSERT INTO `"
                + ONLINE_ROWS
                + "`\nSELECT "
                + cols(keyNames)
                + ", `_event_ms`, `_seq`, "
                + cols(rowFeatures.stream().map(Feature::name).toList())
                + "\nFROM `"
                + PROJECTED
                + "`");
      }
      if (!series.isEmpty()) {
        setup.add(
            "CREATE TEMPORARY FUNCTION IF NOT EXISTS "
                + TILE_FUNCTION
                + " AS 'dev.quiver.udfs.TileStateAggregate'");
        setup.add(onlineTilesTable(view, keys, series));
        inserts.add(tilesInsert(view, keyNames, series));
      }
    }
    if (view.offline() && settings.offline()) {
      setup.add(
          "CREATE CATALOG `"
              + settings.icebergCatalog()
              + "` WITH (\n"
              + options(settings.icebergCatalogProperties())
              + "\n)");
      List<String> select = new ArrayList<>();
      keyNames.forEach(k -> select.add(q(k)));
      select.add("`_event_time` AS `" + OFFLINE_EVENT_TIME + "`");
      rowFeatures.forEach(f -> select.add(q(f.name())));
      inputs.keySet().forEach(c -> select.add(q(OFFLINE_INPUT_PREFIX + c)));
      select.add("`_seq`");
      select.add("`_ingested_at`");
      inserts.add(
          "INSERT INTO `"
              + settings.icebergCatalog()
              + "`.`"
              + view.namespace()
              + "`.`"
              + offlineTableName(view)
              + "`\nSELECT "
              + String.join(", ", select)
              + "\nFROM `"
              + PROJECTED
              + "`");
    }
    if (inserts.isEmpty()) {
      throw new IllegalArgumentException(
          "view "
              + view.qualifiedName()
              + ": online and offline are both off, nothing to materialize (expected: online:"
              + " true or offline: true)");
    }
    return new MaterializationPlan(view, EVENTS, events, setup, views, inserts);
  }

  /** {@code <view>_v<major>}. */
  public static String offlineTableName(FeatureView view) {
    return view.name() + "_v" + view.version().major();
  }

  /**
   * One tile series per distinct (function, column, n), named by {@link
   * TileAggregators#seriesName}: features that differ only by window share tiles. The value is the
   * first feature of the series.
   */
  public static Map<String, Feature> series(FeatureView view) {
    Map<String, Feature> out = new LinkedHashMap<>();
    for (Feature f : view.features()) {
      if (f.isAggregation()) {
        out.putIfAbsent(TileAggregators.seriesName(f.aggregation()), f);
      }
    }
    return out;
  }

  private static Map<String, FeatureType> aggregationInputs(FeatureView view, Source source) {
    Map<String, FeatureType> out = new LinkedHashMap<>();
    for (Feature f : view.features()) {
      Aggregation a = f.aggregation();
      if (a == null || "*".equals(a.column())) {
        continue;
      }
      SourceField field =
          source
              .field(a.column())
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "features."
                              + f.name()
                              + ".column: '"
                              + a.column()
                              + "' is not a column of source "
                              + source.name()
                              + " (columns: "
                              + source.schema().stream().map(SourceField::name).toList()
                              + ")"));
      out.putIfAbsent(a.column(), field.type());
    }
    return out;
  }

  private static String projectedView(
      FeatureView view, List<JoinKey> keys, Map<String, FeatureType> inputs) {
    List<String> select = new ArrayList<>();
    keys.forEach(k -> select.add(q(k.name())));
    for (String meta : List.of("_event_time", "_event_ms", "_seq", "_ingested_at")) {
      select.add(q(meta));
    }
    for (Feature f : view.features()) {
      if (f.isAggregation()) {
        continue;
      }
      String expr =
          f.expression() == null || f.expression().isBlank() ? q(f.name()) : f.expression();
      select.add("CAST(" + expr + " AS " + f.dtype().flinkSqlType() + ") AS " + q(f.name()));
    }
    inputs.forEach(
        (c, t) ->
            select.add(
                "CAST("
                    + q(c)
                    + " AS "
                    + t.flinkSqlType()
                    + ") AS "
                    + q(OFFLINE_INPUT_PREFIX + c)));
    return "CREATE TEMPORARY VIEW `"
        + PROJECTED
        + "` AS\nSELECT\n  "
        + String.join(",\n  ", select)
        + "\nFROM `"
        + EVENTS
        + "`";
  }

  /**
   * The projection of a view with a SQL {@code transformations} block (the subset {@link
   * SqlTransformation} accepts): the same columns as {@link #projectedView}, but each row feature
   * (and each join key the SELECT renames, e.g. the PRD's {@code user_id AS entity_key}) is the
   * user's select expression, and the user's WHERE filters the view's events. Aggregation inputs
   * still read the source columns (the transformation does not feed aggregations). Plain SQL over
   * {@code events}: it runs unchanged in batch mode.
   */
  private static String transformedView(
      FeatureView view, List<JoinKey> keys, Map<String, FeatureType> inputs) {
    if (view.transformations().size() > 1) {
      throw new IllegalArgumentException(
          "transformations: "
              + view.transformations().size()
              + " given (expected: one SELECT; merge them into one statement)");
    }
    Source source = view.source();
    SqlTransformation t = transformation(view);
    if (t.windowed()) {
      return windowedView(view, keys, t);
    }
    List<String> select = new ArrayList<>();
    for (JoinKey k : keys) {
      String expr = t.output(k.name());
      if (expr == null && keys.size() == 1 && t.output("entity_key") != null) {
        expr = t.output("entity_key");
      }
      if (expr == null && t.star() && source.field(k.name()).isPresent()) {
        expr = q(k.name());
      }
      if (expr == null) {
        throw new IllegalArgumentException(
            "transformations[0].code: the SELECT does not output the join key '"
                + k.name()
                + "' (expected: "
                + k.name()
                + (keys.size() == 1 ? " or <expr> AS entity_key" : "")
                + " among the select items)");
      }
      select.add("CAST(" + expr + " AS " + k.type().flinkSqlType() + ") AS " + q(k.name()));
    }
    for (String meta : List.of("_event_time", "_event_ms", "_seq", "_ingested_at")) {
      select.add(q(t.alias()) + "." + q(meta));
    }
    for (Feature f : view.features()) {
      if (f.isAggregation()) {
        continue;
      }
      String expr = f.expression() == null || f.expression().isBlank() ? null : f.expression();
      if (expr == null) {
        expr = t.output(f.name());
      }
      if (expr == null && t.star() && source.field(f.name()).isPresent()) {
        expr = q(f.name());
      }
      if (expr == null) {
        throw new IllegalArgumentException(
            "features."
                + f.name()
                + ": not an output of transformations[0].code (expected: <expression> AS "
                + f.name()
                + " in its SELECT, or expr: on the feature)");
      }
      select.add("CAST(" + expr + " AS " + f.dtype().flinkSqlType() + ") AS " + q(f.name()));
    }
    inputs.forEach(
        (c, type) ->
            select.add(
                "CAST("
                    + q(t.alias())
                    + "."
                    + q(c)
                    + " AS "
                    + type.flinkSqlType()
                    + ") AS "
                    + q(OFFLINE_INPUT_PREFIX + c)));
    return "CREATE TEMPORARY VIEW `"
        + PROJECTED
        + "` AS\n-- from transformations[0] of "
        + view.qualifiedName()
        + "\nSELECT\n  "
        + String.join(",\n  ", select)
        + "\nFROM `"
        + EVENTS
        + "` AS "
        + q(t.alias())
        + (t.where() == null ? "" : "\nWHERE " + t.where());
  }

  /** The parsed transformation of {@code view} (which has exactly one). */
  private static SqlTransformation transformation(FeatureView view) {
    return SqlTransformation.parse(view.transformations().get(0).code(), 0, view.source().name());
  }

  /**
   * Whether the view's events must carry an event-time attribute (with watermarks): true for a view
   * whose transformation is a tumbling-window aggregation. Its {@code events} table declares {@code
   * _event_time} as the rowtime, with the watermark {@code max event time − watermark delay −
   * allowed lateness} so that no event the gate accepted is late for a window.
   */
  public static boolean needsRowtime(FeatureView view) {
    return view.transformations().size() == 1
        && view.source() != null
        && transformation(view).windowed();
  }

  /**
   * The projection of a tumbling-window transformation: one row per (entity, closed window), with
   * event time = the window's end (exclusive), {@code _seq} and {@code _ingested_at} the largest of
   * its events, and the features as the user's aggregate expressions. Windows are aligned to UTC
   * midnight / the epoch: the job runs with {@code table.local-time-zone} UTC (a batch run must
   * too).
   */
  private static String windowedView(FeatureView view, List<JoinKey> keys, SqlTransformation t) {
    String eventTime = view.source().eventTimeField();
    String rowtime = q(t.alias()) + ".`_event_time`";
    for (Feature f : view.features()) {
      if (f.isAggregation() || (f.expression() != null && !f.expression().isBlank())) {
        throw new IllegalArgumentException(
            "features."
                + f.name()
                + (f.isAggregation() ? ".aggregation" : ".expr")
                + ": not allowed with a GROUP BY transformation, whose rows are windows, not"
                + " events (expected: declare it in a separate view, or compute it in the"
                + " SELECT)");
      }
    }
    List<String> select = new ArrayList<>();
    for (JoinKey k : keys) {
      String expr = t.output(k.name());
      if (expr == null && keys.size() == 1) {
        expr = t.output("entity_key");
      }
      if (expr == null) {
        throw new IllegalArgumentException(
            "transformations[0].code: the SELECT does not output the join key '"
                + k.name()
                + "' (expected: "
                + k.name()
                + (keys.size() == 1 ? " or <expr> AS entity_key" : "")
                + " among the select items, and in the GROUP BY)");
      }
      select.add("CAST(" + expr + " AS " + k.type().flinkSqlType() + ") AS " + q(k.name()));
    }
    String endMs =
        "(MAX("
            + q(t.alias())
            + ".`_event_ms`) - MOD(MAX("
            + q(t.alias())
            + ".`_event_ms`), "
            + windowMillis(t.window())
            + ") + "
            + windowMillis(t.window())
            + ")";
    select.add("TO_TIMESTAMP_LTZ(" + endMs + ", 3) AS `_event_time`");
    select.add(endMs + " AS `_event_ms`");
    select.add("MAX(" + q(t.alias()) + ".`_seq`) AS `_seq`");
    select.add("MAX(" + q(t.alias()) + ".`_ingested_at`) AS `_ingested_at`");
    for (Feature f : view.features()) {
      String expr = t.output(f.name());
      if (expr == null) {
        throw new IllegalArgumentException(
            "features."
                + f.name()
                + ": not an output of transformations[0].code (expected: <aggregate> AS "
                + f.name()
                + " in its SELECT)");
      }
      select.add(
          "CAST("
              + SqlTransformation.onRowtime(expr, eventTime, rowtime, 0)
              + " AS "
              + f.dtype().flinkSqlType()
              + ") AS "
              + q(f.name()));
    }
    List<String> group = new ArrayList<>();
    for (String g : t.groupBy()) {
      group.add(SqlTransformation.onRowtime(g, eventTime, rowtime, 0));
    }
    return "CREATE TEMPORARY VIEW `"
        + PROJECTED
        + "` AS\n-- from transformations[0] of "
        + view.qualifiedName()
        + ": one row per entity and closed "
        + t.window()
        + " window, at the window's end\n-- (run with table.local-time-zone = UTC)\nSELECT\n  "
        + String.join(",\n  ", select)
        + "\nFROM `"
        + EVENTS
        + "` AS "
        + q(t.alias())
        + (t.where() == null ? "" : "\nWHERE " + t.where())
        + "\nGROUP BY "
        + String.join(", ", group);
  }

  /** Milliseconds of an {@code INTERVAL 'n' UNIT} literal. */
  static long windowMillis(String interval) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(?i)INTERVAL '(\\d+)' (SECOND|MINUTE|HOUR|DAY)")
            .matcher(interval);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a window interval: " + interval);
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2).toUpperCase(java.util.Locale.ROOT)) {
      case "SECOND" -> n * 1000L;
      case "MINUTE" -> n * 60_000L;
      case "HOUR" -> n * 3_600_000L;
      default -> n * 86_400_000L;
    };
  }

  private String onlineRowsTable(FeatureView view, List<JoinKey> keys, List<Feature> rowFeatures) {
    List<String> cols = new ArrayList<>();
    keys.forEach(k -> cols.add(q(k.name()) + " " + k.type().flinkSqlType()));
    cols.add("`_event_ms` BIGINT");
    cols.add("`_seq` BIGINT");
    rowFeatures.forEach(f -> cols.add(q(f.name()) + " " + f.dtype().flinkSqlType()));
    return "CREATE TEMPORARY TABLE `"
        + ONLINE_ROWS
        + "` (\n  "
        + String.join(",\n  ", cols)
        + "\n) WITH (\n"
        + options(onlineOptions(view, keys, "rows"))
        + "\n)";
  }

  private String onlineTilesTable(
      FeatureView view, List<JoinKey> keys, Map<String, Feature> series) {
    List<String> cols = new ArrayList<>();
    keys.forEach(k -> cols.add(q(k.name()) + " " + k.type().flinkSqlType() + " NOT NULL"));
    cols.add(q(TILE_RES) + " BIGINT NOT NULL");
    cols.add(q(TILE_START) + " BIGINT NOT NULL");
    cols.add(q(MAX_EVENT_MS) + " BIGINT");
    series.keySet().forEach(s -> cols.add(q(s) + " BYTES"));
    List<String> pk = new ArrayList<>(keys.stream().map(k -> q(k.name())).toList());
    pk.add(q(TILE_RES));
    pk.add(q(TILE_START));
    cols.add("PRIMARY KEY (" + String.join(", ", pk) + ") NOT ENFORCED");
    Map<String, String> opts = onlineOptions(view, keys, "tiles");
    return "CREATE TEMPORARY TABLE `"
        + ONLINE_TILES
        + "` (\n  "
        + String.join(",\n  ", cols)
        + "\n) WITH (\n"
        + options(opts)
        + "\n)";
  }

  private Map<String, String> onlineOptions(FeatureView view, List<JoinKey> keys, String kind) {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("connector", "quiver-online");
    o.put("view", view.qualifiedName());
    o.put("version", Integer.toString(view.version().major()));
    o.put("kind", kind);
    SinkViewSpec spec = SinkViewSpec.of(view, keys);
    o.put("key-columns", spec.keyColumns());
    o.put("features", spec.features());
    o.put("ttl-ms", Long.toString(spec.ttlMs()));
    o.put("tile-size-ms", Long.toString(spec.tileMs()));
    o.putAll(settings.onlineSinkOptions());
    return o;
  }

  private static String tilesInsert(
      FeatureView view, List<String> keyNames, Map<String, Feature> series) {
    List<String> select = new ArrayList<>(keyNames.stream().map(JobPlanner::q).toList());
    select.add(q(TILE_RES));
    select.add(q(TILE_START));
    select.add("MAX(`_event_ms`) AS " + q(MAX_EVENT_MS));
    series.forEach(
        (name, f) -> {
          Aggregation a = f.aggregation();
          FeatureType input = TileStateAggregate.inputType(a.function(), f.dtype());
          String value =
              input == null
                  ? "1"
                  : "CAST("
                      + q(OFFLINE_INPUT_PREFIX + a.column())
                      + " AS "
                      + input.flinkSqlType()
                      + ")";
          select.add(
              TILE_FUNCTION
                  + "('"
                  + a.function().specName()
                  + "', '"
                  + a.column()
                  + "', "
                  + a.n()
                  + ", '"
                  + f.dtype()
                  + "', "
                  + value
                  + ", `_event_ms`, `_seq`) AS "
                  + q(name));
        });
    List<String> group = new ArrayList<>(keyNames.stream().map(JobPlanner::q).toList());
    group.add(q(TILE_RES));
    group.add(q(TILE_START));
    // Every event updates one tile per resolution (the fine tile and its 1h/1d rollups): one
    // stateless projection per resolution, unioned. (A CROSS JOIN UNNEST of a constant array
    // plans as a regular join with a bounded VALUES input, which keeps every event in join state
    // and re-emits them all after a restore.)
    List<String> branches = new ArrayList<>();
    for (long r : Tiling.forView(view).resolutions()) {
      branches.add(
          "  SELECT *, CAST("
              + r
              + " AS BIGINT) AS "
              + q(TILE_RES)
              + ", `_event_ms` - MOD(`_event_ms`, "
              + r
              + ") AS "
              + q(TILE_START)
              + " FROM `"
              + PROJECTED
              + "`");
    }
    return "INSERT INTO `"
        + ONLINE_TILES
        + "`\nSELECT "
        + String.join(",\n  ", select)
        + "\nFROM (\n"
        + String.join("\n  UNION ALL\n", branches)
        + "\n)\nGROUP BY "
        + String.join(", ", group);
  }

  static String q(String identifier) {
    return "`" + identifier.replace("`", "``") + "`";
  }

  private static String cols(List<String> names) {
    return names.stream().map(JobPlanner::q).collect(Collectors.joining(", "));
  }

  private static String options(Map<String, String> opts) {
    return opts.entrySet().stream()
        .map(e -> "  '" + e.getKey() + "' = '" + e.getValue().replace("'", "''") + "'")
        .collect(Collectors.joining(",\n"));
  }
}
