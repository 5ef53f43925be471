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
import dev.quiver.udfs.TileBundleAggregate;
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
  public static final String TILES = "_tiles";
  public static final String TILE_FUNCTION = "QUIVER_TILES";

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

    List<String> setup = new ArrayList<>();
    List<String> views = new ArrayList<>();
    List<String> inserts = new ArrayList<>();

    views.add(projection(view, keys, EVENTS, PROJECTED));

    List<Feature> rowFeatures = view.features().stream().filter(f -> !f.isAggregation()).toList();
    Map<String, Feature> series = series(view);
    if (view.online() && settings.online()) {
      if (!rowFeatures.isEmpty()) {
        setup.add(onlineRowsTable(view, keys, rowFeatures));
        inserts.add(rowsInsert(view, keys, PROJECTED));
      }
      if (!series.isEmpty()) {
        setup.add(
            "CREATE TEMPORARY FUNCTION IF NOT EXISTS "
                + TILE_FUNCTION
                + " AS '"
                + TileBundleAggregate.class.getName()
                + "'");
        setup.add(onlineTilesTable(view, keys, series));
        inserts.add(tilesInsert(view, keys, PROJECTED));
      }
    }
    if (view.offline() && settings.offline()) {
      setup.add(
          createCatalog(settings.icebergCatalog())
              + " WITH (\n"
              + options(settings.icebergCatalogProperties())
              + "\n)");
      inserts.add("INSERT INTO " + offlineTable(view) + "\n" + offlineSelect(view, keys));
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

  /**
   * The statement defining the plan's projection view: the view {@code projectedView} over the
   * events table {@code eventsTable} (the view's SQL transformation, or its declared row features
   * and aggregation inputs). The plan's own is {@code projection(view, keys, EVENTS, PROJECTED)}; a
   * backfill asks for the same projection over another events table (the events of the enclosing
   * tiles) under another name.
   */
  public static String projection(
      FeatureView view, List<JoinKey> keys, String eventsTable, String projectedView) {
    Map<String, FeatureType> inputs = aggregationInputs(view, view.source());
    return view.transformations().isEmpty()
        ? projectedView(view, keys, inputs, eventsTable, projectedView)
        : TransformationProjection.projectedView(view, keys, inputs, eventsTable, projectedView);
  }

  /**
   * The Iceberg table the plan's offline {@code INSERT} writes, quoted: catalog.namespace.table.
   */
  public String offlineTable(FeatureView view) {
    return "`"
        + settings.icebergCatalog()
        + "`.`"
        + view.namespace()
        + "`.`"
        + offlineTableName(view)
        + "`";
  }

  /**
   * The query of the plan's offline {@code INSERT} (its text after the {@code INSERT INTO} line):
   * the offline table's columns from the {@code projected} view. A backfill runs this same text in
   * batch mode and writes it with its own Iceberg sink (to tag the snapshot with the backfill id).
   */
  public static String offlineSelect(FeatureView view, List<JoinKey> keys) {
    Source source = view.source();
    Map<String, FeatureType> inputs = aggregationInputs(view, source);
    List<String> select = new ArrayList<>();
    keys.forEach(k -> select.add(q(k.name())));
    select.add("`_event_time` AS `" + OFFLINE_EVENT_TIME + "`");
    view.features().stream().filter(f -> !f.isAggregation()).forEach(f -> select.add(q(f.name())));
    inputs.keySet().forEach(c -> select.add(q(OFFLINE_INPUT_PREFIX + c)));
    select.add("`_seq`");
    select.add("`_ingested_at`");
    return "SELECT " + String.join(", ", select) + "\nFROM `" + PROJECTED + "`";
  }

  /**
   * Whether the view's events must carry an event-time attribute with watermarks: true for a view
   * whose SQL transformation is a tumbling-window aggregation (see {@link
   * TransformationProjection#needsRowtime}).
   */
  public static boolean needsRowtime(FeatureView view) {
    return TransformationProjection.needsRowtime(view);
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
      FeatureView view,
      List<JoinKey> keys,
      Map<String, FeatureType> inputs,
      String eventsTable,
      String projectedView) {
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
          f.expression() == null || f.expression().isBlank()
              ? q(f.name())
              : SafeExpression.rewrite(f.expression());
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
    return "CREATE TEMPORARY VIEW "
        + q(projectedView)
        + " AS\nSELECT\n  "
        + String.join(",\n  ", select)
        + "\nFROM "
        + q(eventsTable);
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
    cols.add(q(TILES) + " BYTES");
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

  /**
   * The plan's online rows {@code INSERT}: the view's row features of each row of the projection
   * view {@code projectedView}. The plan's own reads {@link #PROJECTED}; a backfill's reads one row
   * per (entity, event time) of it.
   */
  public static String rowsInsert(FeatureView view, List<JoinKey> keys, String projectedView) {
    List<String> rowFeatures =
        view.features().stream().filter(f -> !f.isAggregation()).map(Feature::name).toList();
    return "INSERT INTO `"
        + ONLINE_ROWS
        + "`\nSELECT "
        + cols(keys.stream().map(JoinKey::name).toList())
        + ", `_event_ms`, `_seq`, "
        + cols(rowFeatures)
        + "\nFROM `"
        + projectedView
        + "`";
  }

  /**
   * The plan's online tiles {@code INSERT}, grouping the rows of the projection view {@code
   * projectedView} into tiles of every resolution. The plan's own reads {@link #PROJECTED}; a
   * backfill's reads its projection over the events of the enclosing tiles.
   *
   * @throws IllegalArgumentException when the view has no aggregation (no tiles)
   */
  public static String tilesInsert(FeatureView view, List<JoinKey> keys, String projectedView) {
    Map<String, Feature> series = series(view);
    if (series.isEmpty()) {
      throw new IllegalArgumentException(
          "view " + view.qualifiedName() + " has no aggregation feature (no tiles to write)");
    }
    List<String> keyNames = keys.stream().map(JoinKey::name).toList();
    List<String> select = new ArrayList<>(keyNames.stream().map(JobPlanner::q).toList());
    select.add(q(TILE_RES));
    select.add(q(TILE_START));
    select.add("MAX(`_event_ms`) AS " + q(MAX_EVENT_MS));
    // One QUIVER_TILES call for every series of the view: one accumulator (one byte array) per
    // tile in state, and its result is the online tile cell (a TileBundle of all series).
    List<String> specs = new ArrayList<>();
    List<String> values = new ArrayList<>();
    List<String> inputs = new ArrayList<>();
    series.forEach(
        (name, f) -> {
          Aggregation a = f.aggregation();
          specs.add(TileBundleAggregate.seriesSpec(a, f.dtype()));
          String column = q(OFFLINE_INPUT_PREFIX + a.column());
          if (!"*".equals(a.column()) && !inputs.contains(column)) {
            inputs.add(column);
          }
          values.add(tileInput(a, f.dtype()));
        });
    select.add(
        TILE_FUNCTION
            + "('"
            + String.join(";", specs).replace("'", "''")
            + "', `_event_ms`, `_seq`, "
            + String.join(", ", values)
            + ") AS "
            + q(TILES));
    List<String> group = new ArrayList<>(keyNames.stream().map(JobPlanner::q).toList());
    group.add(q(TILE_RES));
    group.add(q(TILE_START));
    // Every event updates one tile per resolution (the fine tile and its 1h/1d rollups): one
    // stateless projection per resolution, unioned. (A CROSS JOIN UNNEST of a constant array
    // plans as a regular join with a bounded VALUES input, which keeps every event in join state
    // and re-emits them all after a restore.) Each branch carries only the columns the tiles
    // need, so the shuffle to the aggregation moves no row features.
    List<String> carried = new ArrayList<>(keyNames.stream().map(JobPlanner::q).toList());
    carried.add("`_event_ms`");
    carried.add("`_seq`");
    carried.addAll(inputs);
    List<String> branches = new ArrayList<>();
    for (long r : Tiling.forView(view).resolutions()) {
      branches.add(
          "  SELECT "
              + String.join(", ", carried)
              + ", CAST("
              + r
              + " AS BIGINT) AS "
              + q(TILE_RES)
              + ", `_event_ms` - MOD(`_event_ms`, "
              + r
              + ") AS "
              + q(TILE_START)
              + " FROM "
              + q(projectedView));
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

  /**
   * The SQL of one series' input to {@code QUIVER_TILES}, over the projected input column {@code
   * __in_<column>}: {@code 1} for count(*); the column as it is for count(column) (its nulls are
   * not counted) and count_distinct (hashed by its canonical bytes, as offline); else the column
   * cast to {@link TileBundleAggregate#inputType}. Before, count(column) was given {@code 1} and so
   * counted null values, which the export does not; and count_distinct was given {@code CAST(column
   * AS STRING)}, whose FLOAT and TIMESTAMP text differed from what the export hashes.
   */
  static String tileInput(Aggregation a, FeatureType dtype) {
    if ("*".equals(a.column())) {
      return "1";
    }
    String column = q(OFFLINE_INPUT_PREFIX + a.column());
    FeatureType input = TileBundleAggregate.inputType(a.function(), dtype);
    return input == null ? column : "CAST(" + column + " AS " + input.flinkSqlType() + ")";
  }

  static String q(String identifier) {
    return org.apache.flink.table.utils.EncodingUtils.escapeIdentifier(identifier);
  }

  private static String cols(List<String> names) {
    return names.stream().map(JobPlanner::q).collect(Collectors.joining(", "));
  }

  private static String options(Map<String, String> opts) {
    return opts.entrySet().stream()
        .map(e -> "  '" + e.getKey() + "' = '" + e.getValue().replace("'", "''") + "'")
        .collect(Collectors.joining(",\n"));
  }

  /**
   * The start of the plan's offline catalog statement. {@code IF NOT EXISTS}: {@code quiver sql}
   * registers the same catalog in its init script, so {@code CREATE CATALOG} alone made the printed
   * plan fail there ("Catalog quiver_offline already exists") instead of running as is.
   */
  public static String createCatalog(String catalog) {
    return "CREATE CATALOG IF NOT EXISTS `" + catalog + "`";
  }
}
